"""The directory in the admin: each specialist keeps their own district's kindergartens."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.tests.admin_search import admin_search
from directory.choices import GroupLanguage, KindergartenKind, Ownership
from directory.models import Group, Kindergarten, Settlement
from directory.regions import region_of
from directory.tests.factories import DistrictFactory, GroupFactory, KindergartenFactory

pytestmark = pytest.mark.usefixtures("english_pages")


def kindergarten_data(settlement, **overrides):
    data = {
        "name_kk": "№7 Балапан",
        "name_ru": "Детский сад №7 Балапан",
        "settlement": settlement.pk,
        "kind": KindergartenKind.GENERAL,
        "ownership": Ownership.STATE,
        "address": "көшесі Сәтпаев, 7",
        "phone": "",
        "groups-TOTAL_FORMS": "0",
        "groups-INITIAL_FORMS": "0",
        "groups-MIN_NUM_FORMS": "0",
        "groups-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_specialist_sees_only_their_districts_settlements(client, specialist_a, settlement_a, settlement_b):
    client.force_login(specialist_a)

    listing = client.get(reverse("admin:directory_settlement_changelist"))
    other = client.get(reverse("admin:directory_settlement_change", args=[settlement_b.pk]))

    assert settlement_a.kato_code in listing.text
    assert settlement_b.kato_code not in listing.text
    assert other.status_code == 404


def test_specialist_views_but_cannot_change_a_settlement(client, specialist_a, settlement_a):
    client.force_login(specialist_a)
    url = reverse("admin:directory_settlement_change", args=[settlement_a.pk])

    page = client.get(url)
    post = client.post(
        url, {"name_kk": "Өзгерген", "name_ru": "Изменённый", "kato_code": settlement_a.kato_code}
    )

    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert post.status_code == 403
    settlement_a.refresh_from_db()
    assert settlement_a.name_kk == "Алматы"
    assert client.get(reverse("admin:directory_settlement_add")).status_code == 403


def test_superuser_changes_a_settlement_and_the_change_is_recorded(client, superuser, settlement_a):
    client.force_login(superuser)
    url = reverse("admin:directory_settlement_change", args=[settlement_a.pk])
    data = {
        "name_kk": "Алматы қаласы",
        "name_ru": "город Алматы",
        "kato_code": settlement_a.kato_code,
        "district": settlement_a.district_id,
        "kind": settlement_a.kind,
    }

    response = client.post(url, data)

    assert response.status_code == 302
    settlement_a.refresh_from_db()
    assert settlement_a.name_kk == "Алматы қаласы"
    event = AuditEvent.objects.get(action="settlement.changed")
    assert event.actor == superuser
    assert event.target_id == str(settlement_a.pk)


def test_specialist_adds_a_kindergarten_in_their_district(client, specialist_a, settlement_a):
    client.force_login(specialist_a)

    response = client.post(reverse("admin:directory_kindergarten_add"), kindergarten_data(settlement_a))

    assert response.status_code == 302
    kindergarten = Kindergarten.objects.get(name_kk="№7 Балапан")
    assert kindergarten.settlement == settlement_a
    assert AuditEvent.objects.filter(action="kindergarten.added", target_id=str(kindergarten.pk)).exists()


def test_specialist_cannot_add_a_kindergarten_in_another_district(
    client, specialist_a, settlement_a, settlement_b
):
    client.force_login(specialist_a)

    page = client.get(reverse("admin:directory_kindergarten_add"))
    response = client.post(reverse("admin:directory_kindergarten_add"), kindergarten_data(settlement_b))

    assert str(settlement_a) in page.text
    assert str(settlement_b) not in page.text
    assert response.status_code == 200
    assert not Kindergarten.objects.exists()


def test_specialist_adds_a_group_to_their_kindergarten(client, specialist_a, kindergarten_a):
    client.force_login(specialist_a)
    data = kindergarten_data(
        kindergarten_a.settlement,
        name_kk=kindergarten_a.name_kk,
        name_ru=kindergarten_a.name_ru,
        address=kindergarten_a.address,
        **{
            "groups-TOTAL_FORMS": "1",
            "groups-0-name": "Күншуақ",
            "groups-0-birth_year": "2022",
            "groups-0-language": GroupLanguage.KAZAKH,
            "groups-0-kind": KindergartenKind.GENERAL,
            "groups-0-capacity": "25",
        },
    )

    response = client.post(reverse("admin:directory_kindergarten_change", args=[kindergarten_a.pk]), data)

    assert response.status_code == 302
    assert Group.objects.get(kindergarten=kindergarten_a).name == "Күншуақ"


def test_specialist_of_another_district_cannot_open_a_kindergarten(client, specialist_b, kindergarten_a):
    GroupFactory(kindergarten=kindergarten_a)
    client.force_login(specialist_b)

    assert (
        client.get(reverse("admin:directory_kindergarten_change", args=[kindergarten_a.pk])).status_code
        == 404
    )
    group = kindergarten_a.groups.get()
    assert client.get(reverse("admin:directory_group_change", args=[group.pk])).status_code == 404


def test_nothing_in_the_directory_is_deleted(client, superuser, kindergarten_a):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:directory_kindergarten_delete", args=[kindergarten_a.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Kindergarten.objects.filter(pk=kindergarten_a.pk).exists()


def test_kindergartens_are_found_by_settlement_kato_code_and_filtered_by_language(
    client, specialist_a, kindergarten_a, settlement_a
):
    other = KindergartenFactory(settlement=settlement_a, name_kk="Ақбота")
    GroupFactory(kindergarten=kindergarten_a, language=GroupLanguage.RUSSIAN)
    GroupFactory(kindergarten=other, language=GroupLanguage.KAZAKH)
    client.force_login(specialist_a)
    changelist = reverse("admin:directory_kindergarten_changelist")

    by_kato = admin_search(client, changelist, settlement_a.kato_code)
    russian = client.get(changelist, {"language": GroupLanguage.RUSSIAN})

    assert kindergarten_a.name_kk in by_kato.text
    assert other.name_kk in by_kato.text
    assert kindergarten_a.name_kk in russian.text
    assert other.name_kk not in russian.text


def test_superuser_adds_a_settlement(client, superuser, district_a):
    client.force_login(superuser)
    data = {"name_kk": "Қаскелең", "name_ru": "Каскелен", "kato_code": "751020000", "district": district_a.pk}

    client.post(reverse("admin:directory_settlement_add"), {**data, "kind": "town"})

    assert Settlement.objects.filter(kato_code="751020000").exists()


def test_specialist_sees_the_region_of_their_district_only(client, specialist_a, settlement_a):
    other = DistrictFactory(kato_code="194600000").region
    client.force_login(specialist_a)
    own = settlement_a.district.region

    listing = client.get(reverse("admin:directory_region_changelist"))

    assert own.kato_code in listing.text
    assert other.kato_code not in listing.text
    assert client.get(reverse("admin:directory_region_change", args=[other.pk])).status_code == 404


def test_regions_are_read_only_below_national_administrators_and_never_deleted(
    client, specialist_a, superuser, settlement_a
):
    region = settlement_a.district.region
    url = reverse("admin:directory_region_change", args=[region.pk])
    client.force_login(specialist_a)

    refused = client.post(
        url, {"kato_code": region.kato_code, "name_kk": "Өзгерген", "name_ru": "Изменённый"}
    )

    assert refused.status_code == 403
    client.force_login(superuser)
    assert 'name="_save"' in client.get(url).text
    assert client.get(reverse("admin:directory_region_delete", args=[region.pk])).status_code == 403


def test_a_region_is_named_from_the_kato_prefix_of_its_districts(db):
    almaty, astana, synthetic = region_of("751110000"), region_of("711000000"), region_of("920010000")

    assert (almaty.kato_code, almaty.name_kk, almaty.name_ru) == (
        "750000000",
        "Алматы қаласы",
        "город Алматы",
    )
    assert astana.name_ru == "город Астана"
    assert (synthetic.kato_code, synthetic.name_ru) == ("920000000", "920000000")
    assert region_of("752000000") == almaty
