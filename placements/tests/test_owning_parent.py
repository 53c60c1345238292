"""One rule for "the parent who owns the application" (``accounts.authorization``), in services and pages.

Only an active parent account that owns the application acts as its parent
(RULES.md sections 1 and 8). The same four accounts are refused by every use
case and every cabinet page the rule guards: the owner's account once it is
disabled, the owner's account carrying the staff flag or the superuser flag
(staff never act as a parent), and another family's parent.
"""

import pytest
from django.urls import reverse

from accounts import authorization
from applications import services as application_services
from applications.choices import Status
from applications.errors import OutOfScope
from applications.tests.factories import child_details
from bulletins.tests.factories import parent_of
from placements import services
from placements.errors import OnlyTheParent
from placements.tests.factories import code_for, take
from placements.tests.pages import AN_HOUR_LATER, confirm_url, places_url

from .test_take_referral import NOW

REFUSED = (
    "inactive parent",
    "parent with the staff flag",
    "parent with the superuser flag",
    "another parent",
)


def refused_actor(who: str, application, other_application):
    """The account ``who`` names; the first three are the owner's own account, changed."""
    if who == "another parent":
        return parent_of(other_application)
    user = parent_of(application)
    field = {
        "inactive parent": ("is_active", False),
        "parent with the staff flag": ("is_staff", True),
        "parent with the superuser flag": ("is_superuser", True),
    }[who]
    setattr(user, *field)
    user.save(update_fields=[field[0]])
    return user


@pytest.mark.parametrize("who", REFUSED)
def test_the_rule_itself_refuses_each_of_them_and_accepts_the_owner(who, waiting_four):
    g1, g2 = waiting_four[:2]
    assert authorization.is_owning_parent(parent_of(g1), g1.applicant)

    actor = refused_actor(who, g1, g2)

    assert not authorization.is_owning_parent(actor, g1.applicant)


@pytest.mark.parametrize("who", REFUSED)
def test_every_use_case_of_the_parent_refuses_them(who, waiting_four, place):
    g1, g2 = waiting_four[:2]
    referral_of_g1 = take(g1, place, now=NOW)
    code_id, code = code_for(g2, now=NOW)
    actor_for_g1, actor_for_g2 = refused_actor(who, g1, g2), refused_actor(who, g2, g1)
    children_on_the_list = g2.applicant.guardianships.count()

    with pytest.raises(OnlyTheParent):
        services.take_referral(
            application=g2, place=place, actor=actor_for_g2, code_id=code_id, code=code, now=NOW
        )
    with pytest.raises(OnlyTheParent):
        services.extend_referral(referral=referral_of_g1, actor=actor_for_g1, now=NOW)
    with pytest.raises(OutOfScope):
        application_services.withdraw_application(application=g2, actor=actor_for_g2, now=NOW)
    with pytest.raises(OutOfScope):
        application_services.add_child(
            applicant=g2.applicant, details=child_details(), actor=actor_for_g2, now=NOW
        )

    g2.refresh_from_db()
    assert g2.status == Status.ACCESS_OPEN
    assert g2.applicant.guardianships.count() == children_on_the_list
    referral_of_g1.refresh_from_db()
    assert referral_of_g1.extended_until is None


def test_the_owner_passes_the_same_use_cases(waiting_four, place):
    g1, g2 = waiting_four[:2]
    referral = take(g1, place, now=NOW)
    code_id, code = code_for(g2, now=NOW)

    services.take_referral(
        application=g2, place=place, actor=parent_of(g2), code_id=code_id, code=code, now=NOW
    )
    services.extend_referral(referral=referral, actor=parent_of(g1), now=NOW)
    application_services.add_child(
        applicant=g2.applicant, details=child_details(), actor=parent_of(g2), now=NOW
    )
    application_services.withdraw_application(application=g2, actor=parent_of(g2), now=NOW)


#: How each account is turned away from the cabinet: the disabled one is no longer signed in, an account
#: that is not a parent's is forbidden, and another family's application does not exist for a parent.
REFUSAL_STATUS = {
    "inactive parent": 302,
    "parent with the staff flag": 403,
    "parent with the superuser flag": 403,
    "another parent": 404,
}


@pytest.mark.clock(AN_HOUR_LATER, tick=True)
@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize("who", REFUSED)
def test_every_cabinet_page_of_the_application_refuses_them_alike(who, client, waiting_four, place):
    g1, g2 = waiting_four[:2]
    client.force_login(refused_actor(who, g1, g2))
    answers = {
        "application": client.get(reverse("applications:detail", args=[g1.number])),
        "receipt": client.get(reverse("applications:receipt", args=[g1.number])),
        "withdraw": client.post(reverse("applications:withdraw", args=[g1.number])),
        "places": client.get(places_url(g1)),
        "get referral": client.post(places_url(g1), {"place": place.pk}),
        "the code": client.post(confirm_url(g1), {"code": "123456"}),
    }

    assert {page: answer.status_code for page, answer in answers.items()} == dict.fromkeys(
        answers, REFUSAL_STATUS[who]
    )
    if who == "inactive parent":
        assert all(answer["Location"].startswith(reverse("accounts:sign_in")) for answer in answers.values())
    g1.refresh_from_db()
    assert g1.status == Status.ACCESS_OPEN


@pytest.mark.clock(AN_HOUR_LATER, tick=True)
@pytest.mark.usefixtures("clock")
def test_the_owner_is_served_by_the_same_pages(client, waiting_four, place):
    g1 = waiting_four[0]
    client.force_login(parent_of(g1))
    statuses = {
        "application": client.get(reverse("applications:detail", args=[g1.number])).status_code,
        "places": client.get(places_url(g1)).status_code,
    }

    assert statuses == {"application": 200, "places": 200}
