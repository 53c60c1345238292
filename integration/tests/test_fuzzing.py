"""Schemathesis against a live server on loopback: no server error, no answer that breaks its own schema.

The committed schema (docs/openapi.yaml) drives hypothesis to make requests,
valid and invalid, to every operation with a department token of district A,
where a settlement and its queue exist. The number of examples is bounded so
the run stays short in ``make test``.
"""

from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from applications.tests.factories import submit
from integration import services
from integration.choices import TokenRole

schema = schemathesis.openapi.from_path(Path(settings.BASE_DIR) / "docs" / "openapi.yaml")


@pytest.fixture
def department_token(department_a, settlement_a, settings):
    settings.INTEGRATION_API_RATE = (
        "100000/min"  # the limit has its own test; here it would only shorten the run
    )
    submit(settlement_a)
    return services.issue_token(organisation=department_a, role=TokenRole.DEPARTMENT, name="fuzz")[1]


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_server_error_and_every_answer_keeps_to_the_schema(case, live_server, department_token):
    case.call_and_validate(
        base_url=live_server.url,
        headers={"Authorization": f"Bearer {department_token}", "Accept-Language": "ru"},
        checks=[not_a_server_error, response_schema_conformance],
    )
