import io

import pytest
from django.core.management import CommandError, call_command

from integration.models import ApiToken


def issue() -> str:
    out = io.StringIO()
    call_command("demo_api_token", stdout=out)
    return out.getvalue().rsplit(" ", 1)[-1].strip()


@pytest.mark.django_db
def test_each_run_prints_a_working_token_and_revokes_the_previous_one(client):
    first, second = issue(), issue()
    assert first != second
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1
    body = {"number": "000-000-0000", "reason": "demo"}
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    old = client.post(
        "/api/v1/lookup/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {first}",
        **headers,
    )
    new = client.post(
        "/api/v1/lookup/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {second}",
        **headers,
    )
    assert old.status_code == 401
    assert new.status_code != 401


@pytest.mark.django_db
def test_refused_in_production(settings):
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError):
        issue()
