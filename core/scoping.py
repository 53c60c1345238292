"""Object-level scoping: one queryset method every scoped model answers (STYLE.md, NetBox).

A scoped model names, in ``scope_path``, the lookup from itself to the district
that owns it. ``restrict(user, action)`` keeps the rows of the districts the user
may act on, so admin, views, API and tasks share one rule and nobody forgets it.
The user decides its own reach through ``district_scope(action)``: ``None`` for
country-wide, else a set of district ids (empty for none).

A model whose way to its district runs through an app above its own (a parent
reaches a district only through their applications) does not name that path:
the upper app registers it (``register_scope_path``), so no app knows the
relation names of an app above it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    """What a user asks to do with a scoped row; ``district_scope(action)`` answers per action."""

    VIEW = "view", _("view")
    CHANGE = "change", _("change")


_registered_paths: dict[type[models.Model], str] = {}


def register_scope_path(model: type[models.Model], path: str) -> None:
    """Scope ``model`` by ``path``, a lookup that only an app above ``model``'s own app may spell."""
    _registered_paths[model] = path


def scope_path_of(model: type[models.Model]) -> str | None:
    """The lookup from ``model`` to its district: its own ``scope_path`` or the registered one; else None."""
    return getattr(model, "scope_path", None) or _registered_paths.get(model)


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = Action.VIEW) -> "RestrictedQuerySet":
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        district_ids = user.district_scope(action)
        if district_ids is None:
            return self
        return self.filter(**{f"{scope_path_of(self.model)}__in": district_ids})
