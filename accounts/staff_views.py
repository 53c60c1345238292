"""The staff's second sign-in step, after the admin's password form (``accounts.second_factor``).

The admin's login view sends a staff member who has just given the right
password here; the admin, both desks and the API's session sign-in send back
here anyone whose session has not passed it. The page asks for the code of the
authenticator app, or, for a staff member without one yet, shows the QR code
and the secret to add it, and takes the first code as the confirmation.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import second_factor as factor
from .forms import AuthenticatorCodeForm
from .views import _next_url, lockout_response


@never_cache
@sensitive_post_parameters("code")
def second_factor(request):
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not user.is_staff_member:
        raise PermissionDenied
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url or _landing(user))
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        logout(request)
        return lockout_response(request, None, credentials)
    device = factor.confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = factor.enrolment_device(user)
    form = AuthenticatorCodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        if factor.verify_code(request, device=device, code=form.cleaned_data["code"]):
            return redirect(next_url or _landing(user))
        # Counted with the wrong passwords: axes locks the username (and the address) at the same limit.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            logout(request)  # axes' middleware answers with the lockout page
        form.add_error("code", _("Wrong code. Type the code your authenticator app shows now."))
    context = {"form": form, "next": next_url, "enrolling": enrolling, "title": _("Second sign-in step")}
    if enrolling:
        context.update(qr_code=factor.qr_code_data_uri(device), secret=factor.secret_text(device))
    return render(request, "accounts/second_factor.html", context)


def _landing(user) -> str:
    return user.desk_url or reverse("home")
