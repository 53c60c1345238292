"""The parent's referral pages, and the public check of a printed referral (RULES.md 5, 7, 8; issue 4).

Places for a child, **Get referral** with a fresh one-time code, the referral
with its extension and PDF: the signed-in parent's alone (``parent_required``;
another family's number is a 404, staff get 403). Whether a place may be taken
is ``selectors.take_refusal``, the rule ``services.take_referral`` enforces, so
the button and the use case never disagree. The session holds the pending
take (application, place, code id), never the code; nothing of it travels in
a URL. ``take_referral`` checks the code in its own transaction and commits a
refusal before raising it, so it is called here outside any
(``ATOMIC_REQUESTS`` is off). The whole POST of the confirmation runs behind
the bulletin-day admission gate (``gate.py``).

The verification page answers anyone who holds the code printed under the QR
code, with the least that proves the referral: no IIN, no full name, no birth
date; look-ups are counted per client address.
"""

import datetime
import functools
import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from accounts import services as account_services
from accounts.decorators import parent_required
from accounts.models import CodePurpose
from applications.models import Application
from applications.selectors import ROLE_LABELS, own_application, own_application_key
from audit.models import AuditEvent
from audit.services import record
from audit.vocabulary import AuditAction, label_of
from bulletins import selectors as bulletin_selectors
from bulletins.models import BulletinPlace
from core import clock, outbox
from core.addresses import client_address
from core.dates import format_date, last_day, local_date
from core.errors import DomainError
from core.forms import add_service_error
from core.pagecache import private_page
from core.ratelimit import within_limit

from . import gate, pdf, selectors, services
from .errors import PlaceAlreadyTaken
from .forms import ExtendForm, PlaceForm, TakeReferralForm
from .models import Referral

#: The pending **Get referral**: {"application": pk, "place": pk, "code": one-time code id}.
SESSION_TAKE = "take_referral"
#: The public check: look-ups allowed per client address in a window (against guessing codes).
VERIFY_LOOKUPS_PER_WINDOW = 30
VERIFY_WINDOW_SECONDS = 10 * 60
#: How long a parent's referral page is kept: keyed by what it shows, so this only bounds how long
#: a page made by the previous release's templates can be served after a deployment.
REFERRAL_PAGE_SECONDS = 10 * 60
#: How long the places page and the confirmation are kept: keyed by what they show, as the referral page.
TAKING_PAGE_SECONDS = 10 * 60
VERIFICATION_CODE = re.compile(r"[A-Z0-9]{1,16}")
#: What the pages show of a place: its kindergarten, settlement and queue.
PAGE_RELATED = ("bulletin", "queue", "group__kindergarten__settlement")


# --- places for a child, and Get referral ---------------------------------------------------


@never_cache
@parent_required
@require_http_methods(["GET", "POST"])
def places(request, number):
    """The free places in the child's queues, by kindergarten, with **Get referral** where it may be taken.

    Pressing the button (a POST naming the place) sends a fresh code by SMS
    and leads to the confirmation page.
    """
    now = clock.now()
    if request.method == "POST":
        return _ask_for_code(request, _own_application_or_404(request, number), now=now)
    state = selectors.places_page_state(request.applicant, number, now=now)
    if state is None:
        return _places_page(request, _own_application_or_404(request, number), now=now)
    return private_page(
        request,
        state=(state, local_date(now)),
        seconds=TAKING_PAGE_SECONDS,
        render=lambda: _places_page(request, _own_application_or_404(request, number), now=now),
    )


def _places_page(request, application: Application, *, now: datetime.datetime) -> HttpResponse:
    accesses = list(bulletin_selectors.open_accesses(application, now=now))
    context = {
        "application": application,
        "kindergartens": _places_by_kindergarten(selectors.place_offers(application, accesses, now=now)),
        "accesses": [{"access": access, "last_day": last_day(access.ends_at)} for access in accesses],
        "referral": selectors.active_referral(application),
    }
    return render(request, "placements/places.html", context)


def _places_by_kindergarten(offers: list[selectors.PlaceOffer]) -> list[dict]:
    """The offers grouped by kindergarten, each with its words.

    The words of a row depend on its queue, bulletin and the parent's access
    there only, so they are made once per such pair here rather than per place
    in the template: on bulletin day the page lists a city's hundred places, and
    the template's translation tags were most of its cost (issue 11).
    """
    kindergartens: dict[int, dict] = {}
    words = functools.cache(_place_words)
    for offer in offers:
        kindergarten = offer.place.group.kindergarten
        shown = kindergartens.setdefault(kindergarten.pk, {"kindergarten": kindergarten, "places": []})
        place = offer.place
        queue_label, who = words(place.bulletin, place.queue, place.group.birth_year,
                                 offer.my_access_ends, offer.in_priority_window)  # fmt: skip
        shown["places"].append(
            {
                "place": offer.place,
                "refusal": offer.refusal,
                "queue_label": queue_label,
                "who_may_take": who,
            }
        )
    return list(kindergartens.values())


def _place_words(
    bulletin, queue, birth_year: int, my_access_ends, in_priority_window: bool
) -> tuple[str, str]:
    """The queue a place belongs to, and who may take it now, in the parent's language."""
    queue_label = _("%(kind)s, children born in %(year)s") % {
        "kind": queue.get_kind_display(),
        "year": birth_year,
    }
    if my_access_ends:
        who = _("You, with priority access, through %(date)s") % {
            "date": format_date(last_day(my_access_ends))
        }
    elif in_priority_window:
        who = _(
            "Applicants at the head of the queue with access, through %(date)s; then everyone in the queue"
        ) % {"date": format_date(last_day(bulletin.priority_until))}
    else:
        who = _("Everyone in the queue: first come, first served")
    return queue_label, who


def _ask_for_code(request, application: Application, *, now: datetime.datetime):
    """The parent pressed **Get referral**: check the place, send a fresh code, remember what is pending."""
    places_url = reverse("placements:places", args=[application.number])
    form = PlaceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a place with its Get referral button."))
        return redirect(places_url)
    place = _place(form.cleaned_data["place"])
    if place is None:
        raise Http404
    refusal = selectors.take_refusal(application, place, now=now)
    if refusal is not None:
        messages.error(request, refusal.message)
        return redirect(places_url)
    applicant = request.applicant
    try:
        code = account_services.request_code(
            iin=applicant.iin,
            phone=applicant.phone,
            purpose=CodePurpose.TAKE_REFERRAL,
            client_ip=client_address(request),
        )
    except account_services.TooManyCodes as error:
        pending = _pending_take(request, application)
        if pending is None or not _code_still_usable(pending["code"], now=now):
            messages.error(request, error.message)
            return redirect(places_url)
        # A code sent a moment ago still works: it confirms this place instead.
        request.session[SESSION_TAKE] = {**pending, "place": place.pk}
        messages.info(request, _("Enter the code we sent a moment ago: it confirms this place."))
    else:
        request.session[SESSION_TAKE] = {
            "application": application.pk,
            "place": place.pk,
            "code": str(code.pk),
        }
    return redirect("placements:confirm", number=application.number)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
@parent_required
@gate.admitted(keep=("code",), back="placements:places")
def confirm(request, number):
    """The place, the child and the code from the SMS: the parent's last step to a referral.

    The page is served again from the cache while nothing it shows or judges has changed
    (``selectors.confirm_page_state``): a parent waiting for the SMS opens it again and again.
    """
    if request.method == "POST":
        return _press(request, number)
    return _kept_confirmation(request, number)


def _press(request, number):
    """The code sent: "no place left" from the place's own count before anything else, else the take.

    Most presses of a rush end at "no place left": they read the application's
    key and the place (with what the take's rules need), each with SQL compiled
    once a process, and nothing else; the code is not checked. The page's names
    are read only when a refused code shows the form again.
    """
    application = own_application_key(request.applicant, number)
    if application is None:
        raise Http404
    places_url = reverse("placements:places", args=[application.number])
    pending = _pending_take(request, application)
    place = bulletin_selectors.place_with_rules(pending["place"]) if pending else None
    if place is None:
        return _choose_a_place_first(request, places_url)
    form = TakeReferralForm(request.POST)
    if not form.is_valid():
        application = _own_application_or_404(request, number)  # the page's names
        return _confirmation_page(request, application, place, form)
    if place.free <= 0:
        # Gone already (the claim would fail): said before the code is checked, as after a lost claim.
        return _pending_take_refused(request, places_url, PlaceAlreadyTaken())
    try:
        referral = services.take_referral(
            application=application,
            place=place,
            actor=request.user,
            code_id=pending["code"],
            code=form.cleaned_data["code"],
            client_ip=client_address(request),
        )
    except PlaceAlreadyTaken as error:
        return _pending_take_refused(request, places_url, error)
    except DomainError as error:
        add_service_error(form, error)
        application = _own_application_or_404(request, number)  # the page's names
        return _confirmation_page(request, application, place, form)
    request.session.pop(SESSION_TAKE, None)
    messages.success(
        request,
        _("Referral %(number)s is yours. Take the documents to the kindergarten by %(date)s.")
        % {"number": referral.display_number, "date": format_date(referral.valid_through)},
    )
    return redirect("placements:referral", number=referral.number)


def _kept_confirmation(request, number):
    """The confirmation from the cache under its state (the application and the pending place), else
    rendered. The state names the application by id: a pending take of another application of the
    parent is never served this page."""
    now = clock.now()
    pending = request.session.get(SESSION_TAKE)
    place_id = pending.get("place") if isinstance(pending, dict) else None
    state = None
    if isinstance(place_id, int):
        state = selectors.confirm_page_state(request.applicant, number, place_id, now=now)
    if state is None or state[0] != pending.get("application"):
        return _confirmation(request, number, now=now)
    return private_page(
        request,
        state=(state, local_date(now)),
        seconds=TAKING_PAGE_SECONDS,
        render=lambda: _confirmation(request, number, now=now),
    )


def _confirmation(request, number, *, now: datetime.datetime):
    """The confirmation's page, or back to the places with the reason when the place may not be taken now."""
    application = _own_application_or_404(request, number)
    places_url = reverse("placements:places", args=[application.number])
    pending = _pending_take(request, application)
    place = _place(pending["place"]) if pending else None
    if place is None:
        return _choose_a_place_first(request, places_url)
    refusal = selectors.take_refusal(application, place, now=now)
    if refusal is not None:
        return _pending_take_refused(request, places_url, refusal)
    return _confirmation_page(request, application, place, TakeReferralForm(None))


def _choose_a_place_first(request, places_url: str):
    messages.info(request, _("Choose a place first: press Get referral beside it."))
    return redirect(places_url)


def _pending_take_refused(request, places_url: str, error: DomainError):
    """Back to the places with the reason: the pending take is over (the place gone, or a rule refuses it)."""
    request.session.pop(SESSION_TAKE, None)
    messages.error(request, error.message)
    return redirect(places_url)


def _confirmation_page(request, application: Application, place: BulletinPlace, form: TakeReferralForm):
    context = {
        "application": application,
        "place": place,
        "form": form,
        "phone": outbox.mask_recipient(request.applicant.phone),
    }
    return render(request, "placements/confirm.html", context)


def _pending_take(request, application: Application) -> dict | None:
    pending = request.session.get(SESSION_TAKE)
    if not isinstance(pending, dict) or pending.get("application") != application.pk:
        return None
    return pending


def _code_still_usable(code_id, *, now: datetime.datetime) -> bool:
    row = account_services.find_code(code_id=code_id, purpose=CodePurpose.TAKE_REFERRAL)
    return (
        row is not None
        and row.used_at is None
        and now <= row.expires_at
        and row.failed_attempts < account_services.MAX_WRONG_ENTRIES
    )


def _place(place_id) -> BulletinPlace | None:
    return BulletinPlace.objects.select_related(*PAGE_RELATED).filter(pk=place_id).first()


# --- the referral ---------------------------------------------------------------------------


@never_cache
@parent_required
def referrals(request):
    """Every referral of the parent's applications, the newest first."""
    rows = (
        Referral.objects.filter(application__applicant=request.applicant)
        .select_related("child", "kindergarten", "group")
        .order_by("-issued_at")
    )
    return render(request, "placements/referrals.html", {"referrals": rows})


@never_cache
@parent_required
@require_http_methods(["GET", "POST"])
def referral(request, number):
    """The referral with its facts and verification code; the parent extends it here, once.

    Served again from the cache while nothing it shows has changed (``selectors.referral_page_state``):
    a parent who has just taken a place comes back to it again and again.
    """
    digits = _referral_digits(number)
    if request.method == "GET":
        now = clock.now()
        state = selectors.referral_page_state(request.applicant, digits)
        if state is not None:
            return private_page(
                request,
                state=(state, local_date(now), request.get_host()),  # the QR link names the host
                seconds=REFERRAL_PAGE_SECONDS,
                render=lambda: _referral_page(request, _own_referral_or_404(request, digits)),
            )
    referral = _own_referral_or_404(request, digits)
    form = ExtendForm(request.POST if request.method == "POST" else None, referral=referral)
    if form.is_bound and form.is_valid():
        try:
            extended = services.extend_referral(
                referral=referral, actor=request.user, until=form.cleaned_data["until"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("placements:referral", number=referral.number)
        else:
            messages.success(
                request,
                _("The referral is extended: it is valid through %(date)s.")
                % {"date": format_date(extended.valid_through)},
            )
            return redirect("placements:referral", number=referral.number)
    return _referral_page(request, referral, form)


def _referral_page(request, referral: Referral, form: ExtendForm | None = None) -> HttpResponse:
    now = clock.now()
    form = form or ExtendForm(None, referral=referral)
    context = {
        "referral": referral,
        "issued_on": local_date(referral.issued_at),
        "verdict": selectors.verdict(referral, now=now),
        "extend_form": form if selectors.may_extend(referral, now=now) else None,
        "max_days": settings.REFERRAL_MAX_DAYS_FROM_ISSUE,
        "stop_list_days": settings.STOP_LIST_DAYS,
        "verification_url": request.build_absolute_uri(
            reverse("placements:verify", args=[referral.verification_code])
        ),
        "history": _history(referral),
    }
    return render(request, "placements/referral.html", context)


def _history(referral: Referral) -> list[dict]:
    """Everything recorded about the referral, oldest first; staff appear by their role, never by name.

    Anyone holding the printed referral may check it on the public page as
    often as they like; the trail keeps every check, the parent reads one line
    a day ("checked 3 times that day"), so the checks never bury the steps.
    """
    events = AuditEvent.objects.for_target(Referral._meta.label_lower, referral.pk).order_by("at", "id")
    items = []
    checks_of_day = {}
    for event in events:
        if event.action == AuditAction.REFERRAL_VERIFIED:
            day = local_date(event.at)
            if day in checks_of_day:
                checks_of_day[day]["times"] += 1
                continue
        item = {
            "event": event,
            "label": label_of(event.action),
            "role": ROLE_LABELS.get(event.actor_role, ""),
            "times": 1,
        }
        if event.action == AuditAction.REFERRAL_VERIFIED:
            checks_of_day[day] = item
        items.append(item)
    return items


@never_cache
@parent_required
@require_GET
def referral_pdf(request, number):
    """The printable referral (A4, Kazakh and Russian, a QR code of the public check), as a download."""
    referral = _own_referral_or_404(request, number)
    if not referral.is_active:
        messages.info(request, _("Only a referral that is still valid can be downloaded."))
        return redirect("placements:referral", number=referral.number)
    url = request.build_absolute_uri(reverse("placements:verify", args=[referral.verification_code]))
    response = HttpResponse(pdf.referral_pdf(referral, verification_url=url), content_type="application/pdf")
    record(action=AuditAction.REFERRAL_DOWNLOADED, target=referral, actor=request.user)
    response["Content-Disposition"] = f'attachment; filename="{pdf.file_name(referral)}"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@parent_required
@require_http_methods(["GET", "POST"])
def decline(request, number):
    """Ask before declining: the parent reads what they give up, then confirms (RULES.md section 5)."""
    referral = _own_referral_or_404(request, number)
    if request.method == "POST":
        try:
            declined = services.decline_referral(referral=referral, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Referral %(number)s is declined and its place has gone back. Your application keeps "
                  "its place in the queue.") % {"number": declined.display_number},
            )  # fmt: skip
        return redirect("placements:referral", number=referral.number)
    if not referral.is_active:
        messages.info(request, _("This referral can no longer be declined."))
        return redirect("placements:referral", number=referral.number)
    bulletin = referral.place.bulletin
    context = {
        "referral": referral,
        "in_priority_window": bulletin.priority_until is not None and clock.now() < bulletin.priority_until,
    }
    return render(request, "placements/decline.html", context)


def _referral_digits(number: str) -> str:
    """A referral's number without its dashes and spaces; anything but ten digits is a 404."""
    digits = re.sub(r"[\s-]", "", number)
    if not re.fullmatch(r"\d{10}", digits):
        raise Http404
    return digits


def _own_referral_or_404(request, number: str) -> Referral:
    """The parent's referral with this number (dashes allowed); another family's is a 404 like a wrong one."""
    digits = _referral_digits(number)
    referral = (
        Referral.objects.filter(number=digits, application__applicant=request.applicant)
        .select_related("child", "application", "group", "kindergarten__settlement", "place__bulletin")
        .first()
    )
    if referral is None:
        raise Http404
    return referral


# --- the public check ---------------------------------------------------------------------


@never_cache
@require_GET
def verify_form(request):
    """Type the code printed on a referral; the answer is the page the QR code opens."""
    code = request.GET.get("code", "").strip().upper().replace(" ", "").replace("-", "")
    # Only letters and digits can be a code: anything else (a slash, say) gets the "not found" answer.
    code = re.sub(r"[^0-9A-Z]", "", code)
    if code:
        return redirect("placements:verify", code=code[:32])
    return render(request, "placements/verify.html", {"asked": False})


@never_cache
@require_GET
def verify(request, code):
    """Whether a printed referral is genuine and valid now: anyone may ask, a few times, and learn little."""
    if not _within_verify_limit(request):
        response = render(request, "placements/verify.html", {"asked": True, "limited": True}, status=429)
        response["Retry-After"] = str(VERIFY_WINDOW_SECONDS)
        return _private(response)
    code = code.strip().upper()
    found = selectors.referral_by_verification_code(code) if VERIFICATION_CODE.fullmatch(code) else None
    # Who checked which referral, and when; the code is not kept: it would open the check again.
    record(
        action=AuditAction.REFERRAL_VERIFIED,
        target=found,
        actor=request.user,
        details={"found": found is not None},
    )
    context = {"asked": True, "referral": found}
    if found is not None:
        context.update(
            {
                "verdict": selectors.verdict(found, now=clock.now()),
                "child": f"{found.child.name} {found.child.surname[:1]}.",
                "issued_on": local_date(found.issued_at),
            }
        )
    return _private(render(request, "placements/verify.html", context))


def _within_verify_limit(request) -> bool:
    return within_limit(
        "referral-verify",
        client_address(request) or "unknown",
        limit=VERIFY_LOOKUPS_PER_WINDOW,
        window_seconds=VERIFY_WINDOW_SECONDS,
    )


def _private(response):
    """The code is in the address: keep it out of search engines and out of other sites' referrers."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- helpers ------------------------------------------------------------------------------------


def _own_application_or_404(request, number: str) -> Application:
    application = own_application(request.applicant, number)
    if application is None:
        raise Http404
    return application
