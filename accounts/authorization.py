"""Who may act on what, decided once: the owning parent, staff reach by district and kindergarten, role gates.

Why here, in ``accounts``: it owns the user, the roles and the applicant a
parent account belongs to, which is all these rules read; and it lies below
every app that acts for someone (applications, bulletins, placements,
integration) and above ``core`` and ``audit`` (docs/architecture.md), so each
of them imports the rule instead of writing it again with its own strictness.
The query half of scope stays ``core.scoping.restrict``, which every scoped
model answers; the reach it asks of a user, ``district_scope``, is decided here.

The parent rule is the strict one (RULES.md sections 1 and 8, "only the parent
can take a referral"): only an active account of the parent role, with neither
the staff nor the superuser flag, acts as a parent. Staff never act as a parent,
superusers included; they act through their staff role and scope.
"""

from collections.abc import Collection

from .choices import Action, Role

#: The fields that make an account a parent's, as a lookup: the sign-in backend loads parents by it.
PARENT_ACCOUNT = {"role": Role.PARENT, "is_active": True, "is_staff": False, "is_superuser": False}


def is_parent_account(user) -> bool:
    """Whether ``user`` may act as a parent at all: signed in, and ``PARENT_ACCOUNT`` in every field."""
    return (
        user is not None
        and user.is_authenticated
        and all(getattr(user, field) == value for field, value in PARENT_ACCOUNT.items())
    )


def is_owning_parent(user, applicant) -> bool:
    """Whether ``user`` is the parent account that owns ``applicant``, and so its applications."""
    return is_parent_account(user) and applicant.user_id == user.pk


def is_staff_member(user) -> bool:
    """Everyone but a parent: any role but parent, or the staff or superuser flag (docs/security.md).

    Active or not: an inactive staff account is still staff (a shorter session,
    a second factor), it just reaches nothing.
    """
    return user.role != Role.PARENT or user.is_staff or user.is_superuser


def has_staff_role(user) -> bool:
    """Signed in with a role other than parent: the use cases that staff may do (paper channel, decisions)."""
    return user is not None and user.is_authenticated and user.role != Role.PARENT


def has_role(user, roles: Collection[str]) -> bool:
    """Signed in, active, and of one of ``roles``: the gate of the staff desks and of the API's endpoints."""
    return user is not None and user.is_authenticated and user.is_active and user.role in roles


def is_national_administrator(user) -> bool:
    return user.is_superuser or user.role == Role.ADMINISTRATOR


def uses_staff_admin(user) -> bool:
    """Specialists and national administrators work in the admin; other staff get desks of their own."""
    admin_role = is_national_administrator(user) or user.role == Role.SPECIALIST
    return user.is_active and user.is_staff and admin_role


def district_scope(user, action: str) -> set[int] | None:
    """The districts ``user`` may ``action`` on: ``None`` means the whole country.

    Superusers and national administrators reach everything; a call-centre
    operator may view country-wide and change nothing; a specialist acts on the
    assigned districts only; every other role reaches no district through staff
    screens (parents reach their own records by ownership, ``is_owning_parent``).
    """
    if is_national_administrator(user):
        return None
    if user.role == Role.CALL_CENTRE:
        return None if action == Action.VIEW else set()
    if user.role == Role.SPECIALIST:
        return set(user.assigned_district_ids)
    return set()


def works_at(user, kindergarten) -> bool:
    """Whether ``user`` is active staff of ``kindergarten``: the kindergarten role, and it assigned."""
    return has_role(user, (Role.KINDERGARTEN,)) and user.kindergartens.filter(pk=kindergarten.pk).exists()
