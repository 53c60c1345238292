"""Object-level scoping: one queryset method every scoped model answers (STYLE.md, NetBox).

A scoped model names, in ``scope_path``, the lookup from itself to the district
that owns it. ``restrict(user, action)`` keeps the rows of the districts the user
may act on, so admin, views, API and tasks share one rule and nobody forgets it.
The user decides its own reach through ``district_scope(action)``: ``None`` for
country-wide, else a set of district ids (empty for none).
"""

from django.db import models


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view") -> "RestrictedQuerySet":
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        district_ids = user.district_scope(action)
        if district_ids is None:
            return self
        return self.filter(**{f"{self.model.scope_path}__in": district_ids})
