"""Hostile input to every form a person fills in answers with a page, never a server error (issue 6, item 6).

Hypothesis sends text of any alphabet (NUL characters, right-to-left marks,
emoji, 12-digit strings that are almost IINs, dates that do not exist) and
lists where one value is expected, through the real URLs, as the role that
may use each form. A refusal (200 with errors, 302, 400, 403, 429) is fine; a
500 is a defect. The IIN validator itself is fuzzed in core/tests/test_iin.py,
the API by schemathesis in integration/tests/test_fuzzing.py.
"""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.choices import Role
from accounts.tests.factories import ApplicantFactory, UserFactory

# What people type: anything, plus near misses of the formats the forms expect.
almost_iin = st.from_regex(r"\A[0-9]{10,13}\Z")
almost_phone = st.from_regex(r"\A\+?[78]?[ \-()0-9]{8,16}\Z")
almost_date = st.from_regex(r"\A[0-9]{1,4}[.\-/][0-9]{1,2}[.\-/][0-9]{1,4}\Z")
any_text = st.text(max_size=40)
value = st.one_of(any_text, almost_iin, almost_phone, almost_date, st.lists(any_text, max_size=3))

FIELDS = {
    "/sign-in/": ["iin", "phone"],
    "/sign-in/code/": ["code"],
    "/sign-in/register/": ["surname", "name", "patronymic", "email", "consent"],
    "/cabinet/children/": ["step", "iin", "has_special_needs_conclusion"],
    "/cabinet/apply/": ["child", "relation", "settlement", "preferred_kindergartens", "language", "category"],
    "/check/": ["number"],
    "/verify/": ["code"],
    "/desk/": ["iin", "number", "reason", "note"],
}
POSTED_BY = {
    "/cabinet/children/": "parent",
    "/cabinet/apply/": "parent",
    "/desk/": "operator",
}
HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def people(db):
    parent = UserFactory(role=Role.PARENT)
    ApplicantFactory(user=parent)
    operator = UserFactory(role=Role.CALL_CENTRE, is_staff=True)
    return {"parent": parent, "operator": operator}


def client_for(path: str, people) -> Client:
    client = Client()
    if path in POSTED_BY:
        client.force_login(people[POSTED_BY[path]])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(FIELDS))
@HYPOTHESIS
@given(data=st.data())
def test_a_form_answers_hostile_input_without_a_server_error(path, people, data):
    fields = {name: data.draw(value, label=name) for name in FIELDS[path]}
    client = client_for(path, people)
    posted = client.post(path, fields)
    assert posted.status_code < 500, (path, fields)
    queried = client.get(path, fields)
    assert queried.status_code < 500, (path, fields)
