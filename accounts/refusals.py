"""The page of a refusal (HTTP 403): in the person's language, with the way to the page they work on.

Django's own 403 is a bare English line; a kindergarten's staff member who
follows an old link into the admin, or a parent who opens a staff page, gets
this page instead: what happened, who they are signed in as, and a link to
their own desk (``User.desk_url``). Mounted as ``handler403`` in the root URLs.
"""

from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def permission_denied(request, exception=None):
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    context = {
        "signed_in": signed_in,
        "role": user.get_role_display() if signed_in else "",
        "desk_url": user.desk_url if signed_in else None,
    }
    return render(request, "403.html", context, status=403)
