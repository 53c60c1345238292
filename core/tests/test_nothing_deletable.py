"""Nothing can be deleted through the admin, by anyone, for every model registered (issue 15, item 2).

The walk covers every model in ``admin.site``, third-party ones (django-axes)
included, as a superuser in a small world with rows of most models: no delete
permission (on the admin and its inlines), no delete action offered, the delete
page refused, and a forged "delete selected" post changes nothing.
"""

import re

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from bulletins.tests.factories import MONDAY_14_DECEMBER
from core.tests.test_access_matrix import World

NO_SUCH_ROW = "2147483646"


@pytest.fixture
def world(settlement_a, settlement_b, specialist_a, specialist_b, call_centre_operator, superuser):
    with time_machine.travel(MONDAY_14_DECEMBER, tick=False):
        built = World(settlement_a, settlement_b, specialist_a, specialist_b, call_centre_operator, superuser)
    sign_in = {
        "user_agent": "test",
        "ip_address": "203.0.113.5",
        "username": "210315600015",
        "path_info": "/",
    }
    AccessAttempt.objects.create(**sign_in, get_data="", post_data="", failures_since_start=10)
    AccessLog.objects.create(**sign_in)
    AccessFailureLog.objects.create(**sign_in, locked_out=True)
    return built


def registered_models():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def superuser_request(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    request.user.is_verified = lambda: True
    return request


@pytest.mark.django_db
def test_every_admin_model_refuses_delete_to_a_superuser(client, world, superuser):
    client.force_login(superuser)
    request = superuser_request(superuser)
    checked, with_rows = [], []
    for model, model_admin in registered_models():
        label = model._meta.label
        info = (model._meta.app_label, model._meta.model_name)
        row = model._default_manager.order_by("pk").first()
        pk = str(row.pk) if row is not None else NO_SUCH_ROW

        assert model_admin.has_delete_permission(request) is False, label
        assert model_admin.has_delete_permission(request, row) is False, label
        for inline in model_admin.get_inline_instances(request, row):
            assert inline.has_delete_permission(request, row) is False, (
                f"{label} inline {type(inline).__name__}"
            )
        offered = [name for name in model_admin.get_actions(request) if re.search("delete|clean|purge", name)]
        assert offered == [], f"{label} offers {offered}"

        changelist = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200, label
        assert 'value="delete_selected"' not in changelist.text, label

        delete_url = reverse("admin:{}_{}_delete".format(*info), args=[pk])
        assert client.get(delete_url).status_code in (403, 404), label
        assert client.post(delete_url, {"post": "yes"}).status_code in (403, 404), label
        if row is not None:
            client.post(
                reverse("admin:{}_{}_changelist".format(*info)),
                {"action": "delete_selected", "_selected_action": [pk], "post": "yes"},
            )
            assert model._default_manager.filter(pk=row.pk).exists(), f"{label} row deleted"
            with_rows.append(label)
        checked.append(label)

    assert {
        "axes.AccessAttempt",
        "axes.AccessLog",
        "axes.AccessFailureLog",
        "integration.Organisation",
    } <= set(with_rows)
    assert len(checked) >= 20, checked
