"""The OpenAPI schema is valid, served, and the committed copy is what the code generates (item 7)."""

from pathlib import Path

import yaml
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

from core.iin import IIN_PATTERN

from .conftest import in_register, submission

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


def test_the_committed_schema_equals_a_fresh_generation(tmp_path):
    fresh = tmp_path / "openapi.yaml"
    call_command("spectacular", "--lang", "en", "--validate", "--fail-on-warn", "--file", str(fresh))
    assert fresh.read_text() == COMMITTED.read_text(), (
        "Regenerate: manage.py spectacular --lang en --file docs/openapi.yaml --validate"
    )


def test_the_schema_and_reference_page_are_served_without_a_token(db):
    client = APIClient()
    assert client.get("/api/v1/schema/").status_code == 200
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert b"swagger-ui" in page.content
    assert b"cdn." not in page.content


def test_the_schema_teaches_the_iin_rule_and_the_api_applies_it(gov_corp_client, settlement_a):
    """Clients learn from the contract which IINs cannot exist (issue 15, item 4); the API refuses them."""
    schema = yaml.safe_load(COMMITTED.read_text())
    for name in ("ChildRequest", "ApplicantRequest", "LookupRequest"):
        assert schema["components"]["schemas"][name]["properties"]["iin"]["pattern"] == IIN_PATTERN

    body = in_register(submission(settlement_a))
    body["child"]["iin"] = body["child"]["iin"][:6] + "0" + body["child"]["iin"][7:]
    response = gov_corp_client.post(
        "/api/v1/applications/",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY="century",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "a 7th digit from 1 to 6" in response.json()["error"]["fields"]["child"]["iin"][0]
