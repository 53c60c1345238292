"""Guards for the parent's pages (RULES.md section 7: the cabinet is the parent's alone)."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .authorization import has_role, is_parent_account


def parent_required(view):
    """Parent accounts only (``is_parent_account``): anonymous visitors go to sign-in, others get 403.

    The view receives the parent's ``Applicant`` as ``request.applicant``.
    """

    @wraps(view)
    def guarded(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url="accounts:sign_in")
        applicant = getattr(user, "applicant", None)
        if not is_parent_account(user) or applicant is None:
            raise PermissionDenied
        request.applicant = applicant
        return view(request, *args, **kwargs)

    return guarded


def role_required(*roles):
    """Signed-in, active users of ``roles`` only: anonymous visitors go to the staff sign-in, others get 403.

    For the staff desks outside the admin (the kindergarten's, the call centre's).
    A session that has not passed the second factor goes to that step first
    (docs/security.md, "Staff second factor").
    """

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(user, roles):
                raise PermissionDenied
            if not user.is_verified():
                return redirect_to_login(request.get_full_path(), login_url=settings.SECOND_FACTOR_URL)
            return view(request, *args, **kwargs)

        return guarded

    return decorator
