"""The audit trail in the admin: anyone may read what is theirs to read, nobody may edit or delete."""

import pytest
from django.urls import reverse

from applications.tests.factories import submit
from audit.models import AuditEvent
from core.tests.admin_search import admin_search

pytestmark = pytest.mark.usefixtures("english_pages")


def event_of(application):
    return AuditEvent.objects.get(target_type="applications.application", target_id=str(application.pk))


def _record_link(event) -> str:
    """The link to the event's record, as the list shows it (the record named in words, not by its type)."""
    return f'href="{reverse("admin:applications_application_change", args=[event.target_id])}"'


def test_superuser_cannot_change_an_event(client, superuser, settlement_a):
    event = event_of(submit(settlement_a))
    client.force_login(superuser)
    url = reverse("admin:audit_auditevent_change", args=[event.pk])

    page = client.get(url)
    post = client.post(url, {"action": "nothing.happened", "target_id": "0", "actor_role": "nobody"})

    assert page.status_code == 200
    assert "Application registered" in page.text  # the action in words
    assert 'name="_save"' not in page.text
    assert post.status_code == 403
    unchanged = AuditEvent.objects.get(pk=event.pk)
    assert (unchanged.action, unchanged.target_id) == ("application.submitted", event.target_id)


def test_superuser_cannot_delete_an_event(client, superuser, settlement_a):
    event = event_of(submit(settlement_a))
    client.force_login(superuser)
    url = reverse("admin:audit_auditevent_delete", args=[event.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_superuser_cannot_delete_events_from_the_list(client, superuser, settlement_a):
    event = event_of(submit(settlement_a))
    client.force_login(superuser)
    changelist = reverse("admin:audit_auditevent_changelist")

    page = client.get(changelist)
    client.post(changelist, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})

    assert "delete_selected" not in page.text
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_superuser_cannot_add_an_event(client, superuser):
    client.force_login(superuser)
    url = reverse("admin:audit_auditevent_add")

    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "invented", "target_type": "x", "target_id": "1"}).status_code == 403
    assert not AuditEvent.objects.filter(action="invented").exists()
    assert AuditEvent.objects.filter(action="access.refused").count() == 2


def test_specialist_reads_only_the_events_of_their_districts(
    client, specialist_a, settlement_a, settlement_b
):
    own = event_of(submit(settlement_a))
    other = event_of(submit(settlement_b))
    client.force_login(specialist_a)

    listing = client.get(reverse("admin:audit_auditevent_changelist"))
    own_page = client.get(reverse("admin:audit_auditevent_change", args=[own.pk]))
    other_page = client.get(reverse("admin:audit_auditevent_change", args=[other.pk]))

    assert _record_link(own) in listing.text
    assert _record_link(other) not in listing.text
    assert own_page.status_code == 200
    assert other_page.status_code == 404


def test_search_by_record_id(client, superuser, settlement_a):
    wanted = event_of(submit(settlement_a))
    unwanted = event_of(submit(settlement_a))
    client.force_login(superuser)

    response = admin_search(client, reverse("admin:audit_auditevent_changelist"), wanted.target_id)

    assert _record_link(wanted) in response.text
    assert _record_link(unwanted) not in response.text


def test_call_centre_operator_cannot_read_the_trail(client, call_centre_operator, settlement_a):
    event = event_of(submit(settlement_a))
    client.force_login(call_centre_operator)

    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 403
