"""The parent's sign-in pages: IIN and phone, the code from the SMS, first-time registration, sign-out.

RULES.md section 7. The session holds only the id of the code being entered
and, once a new parent's code is verified, the id of that code until the
registration form is sent; never an IIN, a phone or a code. No IIN ever
travels in a URL: every form posts.
"""

import math

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from core import clock, outbox
from core.addresses import client_address

from . import services
from .authorization import is_parent_account
from .backends import RegistrationRequired
from .forms import CONSENT_TEXT, CONSENT_VERSION, CodeForm, RegistrationForm, SignInForm
from .models import CodePurpose

SESSION_CODE = "sign_in_code_id"
SESSION_REGISTRATION = "sign_in_registration_code_id"
CABINET_PATH = "/cabinet/"


@never_cache
@sensitive_post_parameters("iin", "phone")
def sign_in(request):
    next_url = _next_url(request)
    if _is_signed_in_parent(request.user):
        return redirect(_after_sign_in(request, next_url))
    form = SignInForm(request.POST) if request.method == "POST" else SignInForm()
    if form.is_bound and form.is_valid():
        try:
            code = services.request_code(
                iin=form.cleaned_data["iin"],
                phone=form.cleaned_data["phone"],
                purpose=CodePurpose.SIGN_IN,
                client_ip=client_address(request),
            )
        except services.TooManyCodes as error:
            form.add_error(None, error.message)
            response = render(request, "accounts/sign_in.html", {"form": form, "next": next_url}, status=429)
            response["Retry-After"] = str(max(1, math.ceil((error.retry_at - clock.now()).total_seconds())))
            return response
        except (services.PhoneNotRegistered, services.PhoneRegisterDown) as error:
            form.add_error("phone", error.message)
            return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})
        request.session.pop(SESSION_REGISTRATION, None)
        request.session[SESSION_CODE] = str(code.pk)
        return redirect(_with_next(reverse("accounts:sign_in_code"), next_url))
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})


@never_cache
@sensitive_post_parameters("code")
def sign_in_code(request):
    next_url = _next_url(request)
    pending = services.find_code(code_id=request.session.get(SESSION_CODE), purpose=CodePurpose.SIGN_IN)
    if pending is None:
        return redirect(_with_next(reverse("accounts:sign_in"), next_url))
    form = CodeForm(request.POST) if request.method == "POST" else CodeForm()
    status = 200
    if form.is_bound and form.is_valid():
        try:
            user = authenticate(
                request, username=pending.iin, one_time_code=form.cleaned_data["code"], code_id=pending.pk
            )
        except RegistrationRequired as required:
            request.session.pop(SESSION_CODE, None)
            # The phone is now confirmed: a new session key, as at any change of privilege.
            request.session.cycle_key()
            request.session[SESSION_REGISTRATION] = str(required.code.pk)
            return redirect(_with_next(reverse("accounts:register"), next_url))
        if user is not None:
            login(request, user)
            request.session.pop(SESSION_CODE, None)
            return redirect(_after_sign_in(request, next_url))
        error = _refusal(request, pending)
        form.add_error("code", error.message)
        if isinstance(error, services.SignInLocked):
            status = 429
            # This page explains the lock itself; axes' middleware leaves it as it is.
            request.sign_in_lockout_shown = True
    context = {"form": form, "next": next_url, "phone": outbox.mask_recipient(pending.phone)}
    return render(request, "accounts/sign_in_code.html", context, status=status)


@never_cache
@sensitive_post_parameters("phone2", "email")
def register(request):
    next_url = _next_url(request)
    if SESSION_REGISTRATION not in request.session:
        return redirect(_with_next(reverse("accounts:sign_in"), next_url))
    try:
        code = services.confirmed_for_registration(code_id=request.session[SESSION_REGISTRATION])
    except services.RegistrationExpired as error:
        return _back_to_sign_in(request, error, next_url)
    form = (
        RegistrationForm(request.POST, phone=code.phone)
        if request.method == "POST"
        else RegistrationForm(phone=code.phone)
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            applicant = services.register_applicant(
                code_id=code.pk,
                surname=data["surname"],
                name=data["name"],
                patronymic=data["patronymic"],
                phone2=data["phone2"],
                email=data["email"],
                language=get_language(),
                consent_version=CONSENT_VERSION,
            )
        except services.RegistrationExpired as error:
            return _back_to_sign_in(request, error, next_url)
        except (services.PhoneNotRegistered, services.PhoneRegisterDown) as error:
            form.add_error("phone2", error.message)
        else:
            login(request, applicant.user, backend="accounts.backends.OneTimeCodeBackend")
            request.session.pop(SESSION_REGISTRATION, None)
            return redirect(_after_sign_in(request, next_url))
    context = {
        "form": form,
        "next": next_url,
        "iin": code.iin,
        "phone": code.phone,
        "consent_text": CONSENT_TEXT,
    }
    return render(request, "accounts/register.html", context)


@require_POST
def sign_out(request):
    """Ends the session on the server too (``logout`` flushes it), so the old cookie opens nothing."""
    if request.user.is_authenticated:
        services.record_sign_out(user=request.user)
    logout(request)
    return redirect("home")


def lockout_response(request, original_response, credentials):
    """django-axes' answer to a locked-out sign-in (``AXES_LOCKOUT_CALLABLE``).

    The code page has already said why and until when; anything else (the
    staff admin's password form) gets a page of its own.
    """
    if getattr(request, "sign_in_lockout_shown", False):
        return original_response
    return render(request, "accounts/locked_out.html", status=429)


def _refusal(request, pending):
    """Why ``authenticate`` gave no user: axes' lock first, then the backend's reason."""
    checked = getattr(request, "one_time_code_error", None)
    if getattr(request, "axes_locked_out", False):
        client_ip = client_address(request)
        if checked is None:
            # Axes refused before the backend ran: nothing has recorded this check yet.
            return services.refuse_locked_check(code=pending, client_ip=client_ip)
        # This check was the one that reached the limit; it is recorded with its own reason.
        return services.SignInLocked(until=services.locked_until(iin=pending.iin, client_ip=client_ip))
    return checked or services.UnknownCode()


def _back_to_sign_in(request, error, next_url):
    request.session.pop(SESSION_REGISTRATION, None)
    messages.error(request, error.message)
    return redirect(_with_next(reverse("accounts:sign_in"), next_url))


def _is_signed_in_parent(user) -> bool:
    return is_parent_account(user) and hasattr(user, "applicant")


def _next_url(request) -> str:
    """The page to return to after signing in, when it is one of ours (never another site)."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _after_sign_in(request, next_url: str) -> str:
    """``next``, else the parent's cabinet, else (until the cabinet exists) the home page."""
    if next_url:
        return next_url
    try:
        resolve(CABINET_PATH)
    except Resolver404:
        return reverse("home")
    return CABINET_PATH
