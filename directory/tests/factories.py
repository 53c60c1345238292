import factory

from directory.choices import GroupLanguage, KindergartenKind, Ownership, SettlementKind
from directory.models import District, Group, Kindergarten, Settlement


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("kato_code",)

    kato_code = factory.Sequence(lambda n: f"{710000000 + n * 1000:09d}")
    name_kk = factory.Sequence(lambda n: f"Аудан {n}")
    name_ru = factory.Sequence(lambda n: f"Район {n}")


class SettlementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Settlement
        django_get_or_create = ("kato_code",)

    district = factory.SubFactory(DistrictFactory)
    kato_code = factory.Sequence(lambda n: f"{750000000 + n:09d}")
    name_kk = factory.Sequence(lambda n: f"Елді мекен {n}")
    name_ru = factory.Sequence(lambda n: f"Населённый пункт {n}")
    kind = SettlementKind.CITY


class KindergartenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kindergarten

    settlement = factory.SubFactory(SettlementFactory)
    name_kk = factory.Sequence(lambda n: f"№{n} балабақша")
    name_ru = factory.Sequence(lambda n: f"Детский сад №{n}")
    kind = KindergartenKind.GENERAL
    ownership = Ownership.STATE
    address = factory.Sequence(lambda n: f"көшесі Абай, {n}")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    kindergarten = factory.SubFactory(KindergartenFactory)
    name = factory.Sequence(lambda n: f"Group {n}")
    birth_year = 2022
    language = GroupLanguage.KAZAKH
    kind = KindergartenKind.GENERAL
    capacity = 25
