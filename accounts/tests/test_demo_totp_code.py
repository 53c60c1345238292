"""``demo_totp_code``: the code a demo staff login's app would show now, in development only."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.tests.helpers import START, totp_device

pytestmark = [pytest.mark.django_db, pytest.mark.clock(START)]

PASSWORD = "a-long-test-password"  # accounts.tests.factories.UserFactory


def test_the_printed_code_passes_the_second_factor(clock, specialist_a, settings):
    settings.DEBUG, settings.DJANGO_ENV = False, "development"
    totp_device(specialist_a)
    output = io.StringIO()
    call_command("demo_totp_code", "specialist_a", stdout=output)
    code = output.getvalue().strip()
    assert re.fullmatch(r"[0-9]{6}", code)

    client = Client()
    client.post("/admin/login/", {"username": "specialist_a", "password": PASSWORD})
    assert client.post("/admin/second-factor/", {"code": code}).url == "/admin/"


def test_a_login_without_a_device_is_told_so(specialist_a):
    with pytest.raises(CommandError, match="no authenticator device"):
        call_command("demo_totp_code", "specialist_a", stdout=io.StringIO())


def test_it_refuses_outside_development(specialist_a, settings):
    settings.DEBUG, settings.DJANGO_ENV = False, "production"
    totp_device(specialist_a)
    output = io.StringIO()
    with pytest.raises(CommandError, match="DJANGO_ENV=development"):
        call_command("demo_totp_code", "specialist_a", stdout=output)
    assert output.getvalue() == ""
