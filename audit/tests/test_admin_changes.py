"""Every add and change saved in the staff admin is in the trail: record, field names, never values."""

import json

import pytest
from django.urls import reverse

from accounts.tests.test_admin import user_data
from audit.models import AuditEvent
from directory.choices import GroupLanguage, KindergartenKind
from directory.models import Kindergarten
from directory.tests.test_admin import kindergarten_data

pytestmark = pytest.mark.usefixtures("english_pages")


def test_a_changed_staff_user_records_which_fields_changed_but_not_to_what(client, superuser, specialist_a):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:accounts_user_change", args=[specialist_a.pk]),
        user_data(specialist_a, last_name="Жақсыбекова", email="zh.aigerim@example.kz"),
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="user.changed")
    assert (event.target_type, event.target_id) == ("accounts.user", str(specialist_a.pk))
    assert event.actor == superuser
    assert event.details["fields"] == ["Last name", "Email address"]
    recorded = json.dumps(event.details, ensure_ascii=False)
    assert "Жақсыбекова" not in recorded
    assert "zh.aigerim" not in recorded


def test_a_kindergarten_added_with_a_group_records_both_without_their_names(
    client, specialist_a, settlement_a
):
    client.force_login(specialist_a)
    data = kindergarten_data(
        settlement_a,
        **{
            "groups-TOTAL_FORMS": "1",
            "groups-0-name": "Күншуақ",
            "groups-0-birth_year": "2022",
            "groups-0-language": GroupLanguage.KAZAKH,
            "groups-0-kind": KindergartenKind.GENERAL,
            "groups-0-capacity": "25",
        },
    )

    response = client.post(reverse("admin:directory_kindergarten_add"), data)

    assert response.status_code == 302
    kindergarten = Kindergarten.objects.get(name_kk="№7 Балапан")
    event = AuditEvent.objects.get(action="kindergarten.added")
    assert event.target_id == str(kindergarten.pk)
    assert event.actor == specialist_a
    assert event.details == {"fields": [], "related": [{"added": "group"}]}
    assert event.request_id == response["X-Request-ID"]
