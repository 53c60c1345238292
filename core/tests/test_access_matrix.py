"""Every URL visited by every role, compared with the table in docs/security.md (issue 6, item 4).

The table is the contract: anonymous visitors are sent to sign in (302) or
get 401 from the API; a role without the permission gets 403; another
family's or another district's record answers 404, as if it did not exist;
one's own answers 200. The test builds one small world, makes each request
of the table as each role inside a savepoint that is rolled back (so a
withdrawal or an enrolment by one role does not change what the next one
sees) and fails on any cell that differs, printing the table it observed.
"""

import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from applications.models import BenefitDocument
from applications.tests.factories import child_details, document, submit
from bulletins import services as bulletin_services
from bulletins.tests.factories import (
    MONDAY_14_DECEMBER,
    at,
    group_in,
    kindergarten_staff,
    parent_of,
    published_bulletin,
)
from directory.tests.factories import KindergartenFactory
from integration import services as integration_services
from integration.choices import OrganisationKind, TokenRole
from integration.models import Organisation
from placements.tests.factories import take

SECURITY_DOC = Path(settings.BASE_DIR) / "docs" / "security.md"
ROLES = [
    "anonymous",
    "parent A",
    "parent B",
    "kindergarten K1",
    "kindergarten K2",
    "specialist D1",
    "specialist D2",
    "operator",
    "administrator",
    "service-centre token",
    "revoked token",
]


def documented_matrix() -> tuple[list[str], dict[str, list[str]]]:
    """The access table of docs/security.md: its role columns and, per request, the expected codes."""
    text = SECURITY_DOC.read_text(encoding="utf-8")
    section = text.split("## Access control", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    header = next(line for line in section.splitlines() if line.startswith("| request"))
    columns = [cell.strip() for cell in header.strip("|").split("|")][1:]
    table = {}
    for line in rows:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        table[cells[0].strip("`")] = cells[1:]
    return columns, table


class World:
    """One small country: parent A's application in district D1 holds a referral to kindergarten K1."""

    def __init__(self, settlement_a, settlement_b, specialist_a, specialist_b, operator, superuser):
        self.parent_application = submit(
            settlement_a,
            child=child_details(),
            now=at(2, month=11),
            documents=[document("large_family", at(1, month=11).date())],
        )
        self.other_application = submit(settlement_b, child=child_details(), now=at(3, month=11))
        k1 = KindergartenFactory(settlement=settlement_a)
        k2 = KindergartenFactory(settlement=settlement_a)
        group = group_in(k1)
        bulletin = published_bulletin(specialist_a, {group: 1}, now=MONDAY_14_DECEMBER)
        bulletin_services.open_access(bulletin_id=bulletin.pk, now=MONDAY_14_DECEMBER)
        self.referral = take(self.parent_application, bulletin.places.get(), now=MONDAY_14_DECEMBER)
        self.document = BenefitDocument.objects.get(application=self.parent_application)
        self.settlement = settlement_a
        service_centre = Organisation.objects.create(name="CON", kind=OrganisationKind.SERVICE_CENTRE)
        _token, self.token = integration_services.issue_token(
            organisation=service_centre, role=TokenRole.GOV_CORP, name="CON 1"
        )
        revoked, self.revoked_token = integration_services.issue_token(
            organisation=service_centre, role=TokenRole.GOV_CORP, name="CON 2"
        )
        integration_services.revoke_token(token=revoked)
        self.users = {
            "parent A": parent_of(self.parent_application),
            "parent B": parent_of(self.other_application),
            "kindergarten K1": kindergarten_staff(k1, username="staff_k1"),
            "kindergarten K2": kindergarten_staff(k2, username="staff_k2"),
            "specialist D1": specialist_a,
            "specialist D2": specialist_b,
            "operator": operator,
            "administrator": superuser,
        }

    def placeholders(self) -> dict[str, str]:
        application = self.parent_application
        return {
            "A": application.number,
            "A_pk": str(application.pk),
            "B": self.other_application.number,
            "doc": str(self.document.pk),
            "R": self.referral.number,
            "R_pk": str(self.referral.pk),
            "code": self.referral.verification_code,
            "kato": self.settlement.kato_code,
            "district": self.settlement.district.kato_code,
            "region": self.settlement.district.region.kato_code,
            "year": str(application.child.birth_date.year),
        }

    def client_for(self, role: str) -> Client:
        if role == "service-centre token":
            return Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")
        if role == "revoked token":
            return Client(HTTP_AUTHORIZATION=f"Bearer {self.revoked_token}")
        client = Client()
        if role in self.users:
            client.force_login(self.users[role])
        return client


def status_of(client: Client, request: str, values: dict[str, str]) -> str:
    """The status code of ``METHOD /path/`` made by ``client``; nothing it changes survives."""
    method, path = request.split(" ", 1)
    path = re.sub(r"\{(\w+)\}", lambda match: values[match.group(1)], path)
    with transaction.atomic():
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data="{}", content_type="application/json")
        transaction.set_rollback(True)
    return str(response.status_code)


def as_table(columns: list[str], observed: dict[str, list[str]]) -> str:
    lines = ["| request | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| `{request}` | " + " | ".join(codes) + " |" for request, codes in observed.items()]
    return "\n".join(lines)


@pytest.mark.django_db
def test_every_role_gets_what_docs_security_md_says_at_every_url(
    settlement_a, settlement_b, specialist_a, specialist_b, call_centre_operator, superuser
):
    columns, expected = documented_matrix()
    assert columns == ROLES, "the columns of the access table changed: update ROLES and the World"
    assert len(expected) >= 40, "the access table lost rows"
    with time_machine.travel(MONDAY_14_DECEMBER, tick=False):
        world = World(settlement_a, settlement_b, specialist_a, specialist_b, call_centre_operator, superuser)
        values = world.placeholders()
        observed = {request: [] for request in expected}
        for role in ROLES:
            cache.clear()  # the public endpoints count requests per address: each role starts afresh
            client = world.client_for(role)
            for request in expected:
                observed[request].append(status_of(client, request, values))
    differing = [
        f"{request} as {role}: documented {want}, got {got}"
        for request in expected
        for role, want, got in zip(ROLES, expected[request], observed[request], strict=True)
        if want != got
    ]
    assert not differing, "\n".join(differing) + "\n\nObserved:\n" + as_table(ROLES, observed)
