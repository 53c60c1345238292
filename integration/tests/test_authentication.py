"""Bearer tokens: only in the header, refused at once when revoked or expired (issue 5, item 1)."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core import clock
from integration import services
from integration.choices import TokenRole
from integration.models import ApiToken, hash_secret

from .conftest import client_with

LOOKUP = {"number": "1234567890", "reason": "parent called"}
MOMENT = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def issued(call_centre):
    return services.issue_token(organisation=call_centre, role=TokenRole.CALL_CENTRE, name="Desk")


def test_only_the_hash_and_prefix_of_a_secret_are_stored(issued):
    token, secret = issued
    assert token.key_hash == hash_secret(secret)
    assert token.prefix == secret[:8]
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())


def test_a_valid_token_is_let_in_and_its_use_noted(issued):
    token, secret = issued
    response = client_with(secret).post("/api/v1/lookup/", LOOKUP, format="json")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_busy_token_notes_its_use_once_a_minute_not_on_every_request(issued):
    token, secret = issued
    with time_machine.travel(MOMENT, tick=False) as traveller:
        client_with(secret).post("/api/v1/lookup/", LOOKUP, format="json")
        traveller.shift(datetime.timedelta(seconds=59))
        with CaptureQueriesContext(connection) as queries:
            client_with(secret).post("/api/v1/lookup/", LOOKUP, format="json")
        assert not [query for query in queries.captured_queries if query["sql"].startswith("UPDATE")]
        token.refresh_from_db()
        assert token.last_used_at == MOMENT
        traveller.shift(datetime.timedelta(seconds=1))
        client_with(secret).post("/api/v1/lookup/", LOOKUP, format="json")
    token.refresh_from_db()
    assert token.last_used_at == MOMENT + datetime.timedelta(minutes=1)


def test_no_token_is_401_with_a_bearer_challenge(db):
    response = APIClient().post("/api/v1/lookup/", LOOKUP, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_revoked_token_stops_working_at_once(issued):
    token, secret = issued
    client = client_with(secret)
    assert client.post("/api/v1/lookup/", LOOKUP, format="json").status_code == 404
    services.revoke_token(token=token)
    response = client.post("/api/v1/lookup/", LOOKUP, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_an_expired_token_is_401(call_centre):
    issued_at = clock.now() - datetime.timedelta(days=30)
    _token, secret = services.issue_token(
        organisation=call_centre,
        role=TokenRole.CALL_CENTRE,
        name="Old",
        now=issued_at,
        expires_at=issued_at + datetime.timedelta(days=1),
    )
    assert client_with(secret).post("/api/v1/lookup/", LOOKUP, format="json").status_code == 401


def test_a_token_in_the_query_string_is_ignored(issued):
    _token, secret = issued
    for name in ("token", "access_token", "key"):
        response = APIClient().post(f"/api/v1/lookup/?{name}={secret}", LOOKUP, format="json")
        assert response.status_code == 401


def test_a_token_lives_at_most_ninety_days(call_centre):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.issue_token(
            organisation=call_centre,
            role=TokenRole.CALL_CENTRE,
            name="Too long",
            expires_at=clock.now() + datetime.timedelta(days=91),
        )


def test_a_department_token_acts_as_a_specialist_of_its_districts(department_a, district_a):
    token, _secret = services.issue_token(organisation=department_a, role=TokenRole.DEPARTMENT, name="D")
    assert token.service_user.role == "specialist"
    assert not token.service_user.is_staff
    assert not token.service_user.has_usable_password()
    assert set(token.service_user.districts.all()) == {district_a}
