"""The parent's portal: children, applying, following the queue, withdrawing; and the public check.

Pages are thin (STYLE.md): every change goes through ``services``, every read
through ``selectors``, and a service's refusal comes back as an error next to
the input at fault (``core.forms.add_service_error``). A parent reaches only their
own records; another family's application number gives the same 404 as a
number that does not exist (issue 3, "How it is checked").
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.decorators import parent_required
from core import clock
from core.addresses import client_address
from core.dates import format_datetime
from core.errors import DomainError
from core.forms import add_service_error
from core.pagecache import private_page, shared_page
from core.ratelimit import Limit
from directory import selectors as directory_selectors
from directory.models import Settlement
from queues.explanation import explain
from queues.history_words import entry_history, short_histories
from queues.selectors import positions_of_application, positions_of_applications
from queues.views import page_number
from registers.persons import RegisterUnavailable

from . import intake, register_checks, selectors, services
from .choices import Channel, RegisterCheck, Verification
from .downloads import document_response
from .forms import ApplicationForm, CheckForm, ChildByHandForm, ChildForm, DocumentForm, MoveNoticesForm
from .models import Application

#: The public check: look-ups allowed per client address in a window (against walking through numbers).
CHECK_LOOKUPS_PER_WINDOW = settings.PUBLIC_CHECK_LOOKUPS_PER_WINDOW
CHECK_WINDOW_SECONDS = 10 * 60
#: How long a rendered check page is kept: it is keyed by the state it shows, so this only bounds
#: how long a page made by the previous release's templates can be served after a deployment.
CHECK_PAGE_SECONDS = 10 * 60
#: The same bound for a parent's own application page, kept under everything it shows (``page_state``)
#: and the day (estimates and expiries turn at midnight).
OWN_PAGE_SECONDS = 10 * 60


# --- the cabinet ----------------------------------------------------------------------


def _positions_for_display(positions, *, application: Application | None = None) -> list[dict]:
    """Each position with its explanation: the first sentence states it, the rest say why.

    With the ``application`` (its own page), each also carries its short
    history, the address of the whole one and the wait estimate.
    """
    shown = []
    number = application.number if application else None
    histories = short_histories([p.entry for p in positions]) if number else [None] * len(positions)
    estimates = selectors.wait_estimates(application, positions) if number else [None] * len(positions)
    for position, history, estimate in zip(positions, histories, estimates, strict=True):
        sentences = explain(position.standing)
        shown.append(
            {
                "entry": position.entry,
                "standing": position.standing,
                "summary": sentences[0],
                "reasons": sentences[1:],
                "history": history,
                "estimate": estimate,
                "history_url": reverse(
                    "applications:position_history", args=[number, position.entry.queue.kind]
                )
                if number
                else None,
            }
        )
    return shown


def _submitted(request) -> tuple:
    """The form's data and files on a POST; nothing (an unbound form) otherwise."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _own_application_or_404(request, number: str) -> Application:
    application = selectors.own_application(request.applicant, number)
    if application is None:
        raise Http404
    return application


@never_cache
@parent_required
def cabinet(request):
    """My applications: each with its status and its position in every queue, explained.

    Served again from the cache while everything it shows is unchanged (``selectors.cabinet_state``).
    """
    now = clock.now()
    return private_page(
        request,
        state=_dated(selectors.cabinet_state(request.applicant, now=now), now),
        seconds=OWN_PAGE_SECONDS,
        render=lambda: _cabinet_page(request),
    )


def _dated(state: tuple | None, now) -> tuple | None:
    """A page's state with its day: expiries, estimates and a referral's validity turn at midnight."""
    return None if state is None else (state, timezone.localdate(now))


def _cabinet_page(request) -> HttpResponse:
    applications = list(selectors.applications_of(request.applicant))
    positions = positions_of_applications(application.pk for application in applications)
    rows = [
        {"application": application, "positions": _positions_for_display(positions.get(application.pk, []))}
        for application in applications
    ]
    return render(request, "applications/cabinet.html", {"rows": rows})


@never_cache
@parent_required
@require_http_methods(["GET", "POST"])
def children(request):
    """The parent's children, and adding one by IIN: the register's data first shown, then confirmed.

    Steps (the form's ``step``): ``look_up`` shows what the register says;
    ``confirm`` adds the child with it; when the register does not answer, the
    form asks for the child's data from the birth certificate and ``by_hand``
    adds the child awaiting the register's check (``register_checks``).
    """
    step = request.POST.get("step", "look_up") if request.method == "POST" else None
    form = (ChildByHandForm if step == "by_hand" else ChildForm)(request.POST if step else None)
    found = None
    if step and form.is_valid():
        try:
            if step == "look_up":
                found = register_checks.registered_child(
                    applicant=request.applicant,
                    iin=form.cleaned_data["iin"],
                    actor=request.user,
                    reason=register_checks.LOOK_UP,
                )
            else:
                guardianship = _add_child(request, form)
                messages.success(request, _child_added_message(guardianship))
                return redirect("applications:children")
        except RegisterUnavailable:
            form = ChildByHandForm(initial=form.cleaned_data)
        except (ValidationError, DomainError) as error:
            add_service_error(form, error, form.service_field_names)
    context = {
        "children": selectors.children_of(request.applicant),
        "form": form,
        "found": found,
        "by_hand": isinstance(form, ChildByHandForm),
    }
    return render(request, "applications/children.html", context)


def _add_child(request, form):
    """The confirmed child, with the register's data or, when it does not answer, as typed."""
    if isinstance(form, ChildByHandForm):
        return register_checks.add_child_awaiting_check(
            applicant=request.applicant,
            details=form.details(),
            actor=request.user,
            has_special_needs_conclusion=form.cleaned_data["has_special_needs_conclusion"],
        )
    return register_checks.add_child_by_iin(
        applicant=request.applicant,
        iin=form.cleaned_data["iin"],
        actor=request.user,
        has_special_needs_conclusion=form.cleaned_data["has_special_needs_conclusion"],
    )


def _child_added_message(guardianship) -> str:
    values = {"name": guardianship.child.full_name}
    if guardianship.register_check == RegisterCheck.AWAITING:
        return (
            _(
                "%(name)s is on your list, awaiting the person register's check. You can apply now: the "
                "application stands in the queue from the moment you submit it."
            )
            % values
        )
    return _("%(name)s is on your list. You can now apply for a kindergarten place.") % values


@never_cache
@parent_required
@require_http_methods(["GET", "POST"])
def apply(request):
    """Apply in two steps that need no JavaScript: find the settlement, then fill in the application."""
    settlement = _chosen_settlement(request.GET.get("settlement", ""))
    if settlement is None:
        return _settlement_search(request)
    initial = {"child": request.GET.get("child")} if request.GET.get("child") else None
    form = ApplicationForm(
        *_submitted(request),
        applicant=request.applicant,
        settlement=settlement,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = intake.submit(
                form.intake(request.applicant), channel=Channel.PORTAL, actor=request.user
            )
        except (ValidationError, DomainError) as error:
            add_service_error(form, error, form.service_field_names)
        else:
            messages.success(
                request,
                _(
                    "Application %(number)s is registered. Submitted on %(time)s (Almaty time); it stands "
                    "in its queues from this moment."
                )
                % {
                    "number": application.display_number,
                    "time": format_datetime(application.submitted_at, seconds=True),
                },
            )
            return redirect("applications:detail", number=application.number)
    change_url = reverse("applications:apply")
    if request.GET.get("child"):
        change_url += "?" + urlencode({"child": request.GET["child"]})
    context = {
        "form": form,
        "fieldsets": form.grouped_fields(),
        "settlement": settlement,
        "change_settlement_url": change_url,
        "has_children": form.fields["child"].queryset.exists(),
    }
    return render(request, "applications/apply.html", context)


def _chosen_settlement(value: str) -> Settlement | None:
    if not value.isdigit():
        return None
    return Settlement.objects.select_related("district").filter(pk=int(value)).first()


def _settlement_search(request):
    query = request.GET.get("q", "").strip()[:100]
    matches = list(directory_selectors.settlements_matching(query)[: selectors.SETTLEMENT_SEARCH_LIMIT + 1])
    child = request.GET.get("child", "")
    context = {
        "query": query,
        "settlements": [
            {"settlement": settlement, "url": "?" + urlencode({"settlement": settlement.pk, "child": child})}
            for settlement in matches[: selectors.SETTLEMENT_SEARCH_LIMIT]
        ],
        "more": len(matches) > selectors.SETTLEMENT_SEARCH_LIMIT,
        "child": child,
        "has_children": selectors.children_to_apply_for(request.applicant).exists(),
    }
    return render(request, "applications/apply_settlement.html", context)


@never_cache
@parent_required
@require_http_methods(["GET", "POST"])
def detail(request, number):
    """One application: status, positions explained, documents, and everything that happened to it.

    Served again from the cache while everything it shows is unchanged (``selectors.page_state``):
    on bulletin day a parent reloads this page again and again.
    """
    if request.method == "GET":
        now = clock.now()
        state = selectors.page_state(request.applicant, number, now=now)
        if state is not None:
            return private_page(
                request,
                state=_dated(state, now),
                seconds=OWN_PAGE_SECONDS,
                render=lambda: _detail_page(request, _own_application_or_404(request, number)),
            )
    application = _own_application_or_404(request, number)
    form = DocumentForm(*_submitted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.add_benefit_document(application=application, upload=form.upload(), actor=request.user)
        except (ValidationError, DomainError) as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("The document is attached. A specialist checks it; the submission time stays the same."),
            )
            return redirect("applications:detail", number=application.number)
    return _detail_page(request, application, form)


def _detail_page(request, application: Application, form: DocumentForm | None = None) -> HttpResponse:
    positions = positions_of_application(application.pk)
    documents = selectors.documents_of(application)
    context = {
        "application": application,
        "positions": _positions_for_display(positions, application=application),
        "documents": documents,
        "benefit_pending": any(document.verification == Verification.PENDING for document in documents),
        "history": selectors.application_history(application),
        "awaiting_register": selectors.awaits_register_check(application),
        "form": (form or DocumentForm()) if application.is_active else None,
    }
    return render(request, "applications/detail.html", context)


@never_cache
@parent_required
def position_history(request, number, kind):
    """The whole history of the application's position in one of its queues, newest day first."""
    application = _own_application_or_404(request, number)
    entry = application.queue_entries.select_related("queue").filter(queue__kind=kind).first()
    if entry is None:
        raise Http404
    page = page_number(request)
    history = entry_history(entry, page=page)
    if page > 1 and not history["days"]:
        raise Http404
    context = {"application": application, "entry": entry, "history": history, "page": page}
    return render(request, "applications/position_history.html", context)


@never_cache
@parent_required
def receipt(request, number):
    """A printable receipt: what was registered, when (Asia/Almaty), through which channel."""
    application = _own_application_or_404(request, number)
    positions = positions_of_application(application.pk)
    context = {
        "application": application,
        "positions": positions,
        "printed_at": clock.now(),
    }
    return render(request, "applications/receipt.html", context)


@never_cache
@parent_required
@require_http_methods(["GET", "POST"])
def withdraw(request, number):
    """Ask before withdrawing: the application leaves every queue and cannot come back."""
    application = _own_application_or_404(request, number)
    if not application.is_active:
        messages.info(
            request, _("This application is no longer in a queue, so there is nothing to withdraw.")
        )
        return redirect("applications:detail", number=application.number)
    if request.method == "POST":
        try:
            services.withdraw_application(application=application, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Application %(number)s is withdrawn and has left every queue.")
                % {"number": application.display_number},
            )
        return redirect("applications:detail", number=application.number)
    return render(request, "applications/withdraw.html", {"application": application})


@never_cache
@parent_required
@require_http_methods(["GET", "POST"])
def move_notices(request):
    """The parent's notices (issue 12 item 4): off by default; a threshold of moves, the estimate's band
    changing, and a channel for both."""
    applicant = request.applicant
    initial = {
        "threshold": applicant.move_notice_threshold or "",
        "estimate_band": applicant.estimate_notices_since is not None,
        "channel": applicant.move_notice_channel,
    }
    form = MoveNoticesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.choose_move_notices(
                applicant=applicant,
                threshold=form.cleaned_data["threshold"],
                channel=form.cleaned_data["channel"],
                estimate_band=form.cleaned_data["estimate_band"],
                actor=request.user,
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your choice of notices is saved."))
            return redirect("applications:move_notices")
    return render(request, "applications/move_notices.html", {"form": form, "applicant": applicant})


@never_cache
@parent_required
def document(request, number, document_id):
    """The parent's own benefit document, as a download that cannot run in the browser."""
    application = _own_application_or_404(request, number)
    benefit_document = application.benefit_documents.filter(pk=document_id).first()
    if benefit_document is None:
        raise Http404
    return document_response(benefit_document, actor=request.user)


# --- the public check -------------------------------------------------------------------


@never_cache
def check(request):
    """Anyone with a number sees the status and each queue's position: no names, no place, no class.

    A malformed number and an unknown one get the same answer; look-ups are
    counted per client address so the numbers cannot be walked through. A found
    application's page is served again while ``found.state`` (its status and
    its queues' versions, read in this request) stays the same: exact, never
    stale (``core.pagecache``), and counted in the round trip that reads it.
    """
    if "number" not in request.GET:
        return _check_page(request)
    limit = Limit(
        "public-check", client_address(request) or "unknown", CHECK_LOOKUPS_PER_WINDOW, CHECK_WINDOW_SECONDS
    )
    # The form's own cleaning is a strip: a number it would refuse is never found, and then the form,
    # built below, says why.
    found = selectors.public_check(request.GET["number"].strip())
    if found is None:
        allowed, _nothing = limit.count()
        return _check_page(request, limited=not allowed)
    return shared_page(
        request,
        state=found.state,
        seconds=CHECK_PAGE_SECONDS,
        render=lambda: _check_page(request, standing=found.standing()),
        limit=limit,
        refused=lambda: _check_page(request, limited=True),
    )


def _check_page(
    request, *, limited: bool = False, standing: selectors.PublicStanding | None = None
) -> HttpResponse:
    form = CheckForm(request.GET if "number" in request.GET else None)
    context = {"form": form, "searched": form.is_bound, "limited": limited, "standing": standing}
    return render(request, "applications/check.html", context, status=429 if limited else 200)
