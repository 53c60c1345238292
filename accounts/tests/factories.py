import datetime

import factory

from accounts.choices import Role
from accounts.models import Applicant, User
from core.iin import Sex, synthetic_iins

_adult_iins = synthetic_iins(datetime.date(1990, 5, 17), Sex.FEMALE)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.PARENT
    password = factory.django.Password("a-long-test-password")

    @factory.post_generation
    def districts(self, create, extracted, **kwargs):
        if create and extracted:
            self.districts.set(extracted)


class ApplicantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Applicant

    iin = factory.LazyFunction(lambda: next(_adult_iins))
    surname = "Сейтова"
    name = "Айгерім"
    phone = factory.Sequence(lambda n: f"+7701{n:07d}")
