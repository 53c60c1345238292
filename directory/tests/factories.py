import factory

from directory.choices import GroupLanguage, KindergartenKind, Ownership, SettlementKind
from directory.models import District, Group, Kindergarten, Region, Settlement, region_kato
from directory.regions import names_of


class RegionFactory(factory.django.DjangoModelFactory):
    """The region of a KATO code, with its real name where the code is known (``directory.regions``)."""

    class Meta:
        model = Region
        django_get_or_create = ("kato_code",)

    kato_code = "710000000"
    name_kk = factory.LazyAttribute(lambda region: names_of(region.kato_code)[0])
    name_ru = factory.LazyAttribute(lambda region: names_of(region.kato_code)[1])


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("kato_code",)

    kato_code = factory.Sequence(lambda n: f"{710000000 + n * 1000:09d}")
    region = factory.LazyAttribute(lambda district: RegionFactory(kato_code=region_kato(district.kato_code)))
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
