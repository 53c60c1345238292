"""The parent's portal: children, applying, following the queue, withdrawing; and the public check.

Pages are thin (STYLE.md): every change goes through ``services``, every read
through ``selectors``, and a service's refusal comes back as an error next to
the input at fault (``forms.add_service_error``). A parent reaches only their
own records; another family's application number gives the same 404 as a
number that does not exist (issue 3, "How it is checked").
"""

import hashlib

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.decorators import parent_required
from core import clock
from core.addresses import client_address
from core.dates import format_date, format_datetime
from core.errors import DomainError
from core.iin import Sex, validate_iin
from core.ratelimit import within_limit
from directory import selectors as directory_selectors
from directory.choices import GroupLanguage
from directory.models import Kindergarten, Settlement
from queues.explanation import explain
from queues.selectors import positions_of_application, positions_of_applications

from . import selectors, services
from .choices import BenefitCategory, Channel, Relation, Verification
from .downloads import document_response
from .forms import add_service_error
from .models import MAX_PREFERRED_KINDERGARTENS, Application, Child
from .uploads import checked_document

#: The public check: look-ups allowed per client address in a window (against walking through numbers).
CHECK_LOOKUPS_PER_WINDOW = settings.PUBLIC_CHECK_LOOKUPS_PER_WINDOW
CHECK_WINDOW_SECONDS = 10 * 60
#: How long a rendered check page is kept: it is keyed by the state it shows, so this only bounds
#: how long a page made by the previous release's templates can be served after a deployment.
CHECK_PAGE_SECONDS = 10 * 60

NO_BENEFIT = [("", _("No benefit"))]
#: The PMPK conclusion has a field of its own on the application form.
OTHER_BENEFITS = [
    (value, label) for value, label in BenefitCategory.choices if value != BenefitCategory.SPECIAL_NEEDS
]


def _date_widget():
    """The browser's date picker; it sends ISO dates, and typing one by hand works too."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _check_file(uploaded_file) -> None:
    """The same type and size check the service makes, so the error lands on the file it is about."""
    try:
        checked_document(uploaded_file)
    except DomainError as error:
        raise ValidationError(error.message) from None


# --- forms ----------------------------------------------------------------------------


class PortalForm(forms.Form):
    required_css_class = "required"
    error_css_class = "has-error"


class ChildForm(PortalForm):
    iin = forms.CharField(
        label=_("Child's IIN"),
        max_length=12,
        validators=[validate_iin],
        help_text=_("12 digits, from the birth certificate."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    surname = forms.CharField(label=_("Surname"), max_length=100)
    name = forms.CharField(label=_("Name"), max_length=100)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    birth_date = forms.DateField(label=_("Birth date"), widget=_date_widget())
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    has_special_needs_conclusion = forms.BooleanField(
        label=_("The child has a conclusion of the PMPK (special educational needs)"),
        required=False,
        help_text=_(
            "Such children may stay in the queue after the age of six. You attach the conclusion when "
            "applying."
        ),
    )

    service_field_names = {"child_iin": "iin"}

    def details(self) -> services.ChildDetails:
        data = self.cleaned_data
        return services.ChildDetails(
            iin=data["iin"].strip(),
            surname=data["surname"],
            name=data["name"],
            patronymic=data["patronymic"],
            birth_date=data["birth_date"],
            sex=data["sex"],
        )


class ChildChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, child):
        return f"{child.full_name} ({format_date(child.birth_date)})"


class KindergartenChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, kindergarten):
        return f"{kindergarten.name} — {kindergarten.address}"


class ApplicationForm(PortalForm):
    """The application of RULES.md section 6, for a child on the parent's list and one settlement."""

    child = ChildChoiceField(
        label=_("Which child"),
        queryset=Child.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    relation = forms.ChoiceField(label=_("You are the child's"), choices=Relation.choices)
    preferred_kindergartens = KindergartenChoiceField(
        label=_("Preferred kindergartens"),
        queryset=Kindergarten.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Optional: up to four. Places are offered in every kindergarten of the settlement."),
    )
    wants_special = forms.BooleanField(
        label=_("Special queue (for children with special educational needs)"), required=False
    )
    wants_sanatorium = forms.BooleanField(label=_("Sanatorium queue"), required=False)
    pmpk_file = forms.FileField(
        label=_("PMPK conclusion"),
        required=False,
        help_text=_(
            "Needed for the special and sanatorium queues; once confirmed it also makes the application "
            "first-turn. PDF, JPEG or PNG."
        ),
    )
    pmpk_issued_on = forms.DateField(
        label=_("PMPK conclusion issued on"), required=False, widget=_date_widget()
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred group language"), choices=GroupLanguage.choices, widget=forms.RadioSelect
    )
    benefit_category = forms.ChoiceField(
        label=_("Benefit"), choices=NO_BENEFIT + OTHER_BENEFITS, required=False
    )
    benefit_issued_on = forms.DateField(label=_("Document issued on"), required=False, widget=_date_widget())
    benefit_file = forms.FileField(
        label=_("Benefit document"),
        required=False,
        help_text=_("A scan or photo: PDF, JPEG or PNG. A specialist checks it before the benefit counts."),
    )

    fieldsets = (
        (_("Child"), ("child", "relation")),
        (_("Kindergartens"), ("preferred_kindergartens", "preferred_language")),
        (_("Queues"), ("wants_special", "wants_sanatorium", "pmpk_file", "pmpk_issued_on")),
        (_("Benefit (optional)"), ("benefit_category", "benefit_issued_on", "benefit_file")),
    )

    service_field_names = {
        "iin": "child",
        "child_iin": "child",
        "birth_date": "child",
        "sex": "child",
        "category": "benefit_category",
        "issued_on": "benefit_issued_on",
        "file": "benefit_file",
    }

    def __init__(self, *args, applicant, settlement: Settlement, **kwargs):
        super().__init__(*args, **kwargs)
        self.settlement = settlement
        children = selectors.children_to_apply_for(applicant)
        self.fields["child"].queryset = children
        if not self.initial.get("child") and len(children) == 1:
            self.initial["child"] = children[0].pk  # the only child needs no choosing
        self.fields["preferred_kindergartens"].queryset = settlement.kindergartens.order_by("name_kk")

    def grouped_fields(self):
        return [(title, [self[name] for name in names]) for title, names in self.fieldsets]

    def clean_pmpk_file(self):
        uploaded = self.cleaned_data.get("pmpk_file")
        if uploaded:
            _check_file(uploaded)
        return uploaded

    def clean_benefit_file(self):
        uploaded = self.cleaned_data.get("benefit_file")
        if uploaded:
            _check_file(uploaded)
        return uploaded

    def clean(self):
        data = super().clean()
        if len(data.get("preferred_kindergartens") or []) > MAX_PREFERRED_KINDERGARTENS:
            self.add_error(
                "preferred_kindergartens",
                _("Choose at most %(count)s kindergartens.") % {"count": MAX_PREFERRED_KINDERGARTENS},
            )
        for name in ("pmpk_issued_on", "benefit_issued_on"):
            if data.get(name) and data[name] > clock.today():
                self.add_error(name, _("The document's date of issue cannot be in the future."))
        self._require_together(
            ("pmpk_file", "pmpk_issued_on"), _("Attach the conclusion and give its date of issue.")
        )
        self._require_together(
            ("benefit_category", "benefit_file", "benefit_issued_on"),
            _("A benefit needs its kind, the document and its date of issue."),
        )
        return data

    def _require_together(self, names, message):
        data = self.cleaned_data
        if any(data.get(name) for name in names):
            for name in names:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)

    def submit(self, *, applicant, actor) -> Application:
        data = self.cleaned_data
        child = data["child"]
        documents = []
        if data["pmpk_file"]:
            documents.append(
                services.DocumentUpload(
                    category=BenefitCategory.SPECIAL_NEEDS,
                    file=data["pmpk_file"],
                    issued_on=data["pmpk_issued_on"],
                )
            )
        if data["benefit_file"]:
            documents.append(
                services.DocumentUpload(
                    category=data["benefit_category"],
                    file=data["benefit_file"],
                    issued_on=data["benefit_issued_on"],
                )
            )
        return services.submit_application(
            child=services.ChildDetails(
                iin=child.iin,
                surname=child.surname,
                name=child.name,
                patronymic=child.patronymic,
                birth_date=child.birth_date,
                sex=child.sex,
            ),
            applicant=services.ApplicantDetails(
                iin=applicant.iin,
                surname=applicant.surname,
                name=applicant.name,
                patronymic=applicant.patronymic,
                phone=applicant.phone,
                phone2=applicant.phone2,
                email=applicant.email,
            ),
            relation=data["relation"],
            settlement=self.settlement,
            preferred_language=data["preferred_language"],
            channel=Channel.PORTAL,
            actor=actor,
            wants_special=data["wants_special"],
            wants_sanatorium=data["wants_sanatorium"],
            preferred_kindergartens=list(data["preferred_kindergartens"]),
            documents=documents,
        )


class DocumentForm(PortalForm):
    category = forms.ChoiceField(
        label=_("Benefit"), choices=[("", _("Choose the benefit")), *BenefitCategory.choices]
    )
    issued_on = forms.DateField(label=_("Document issued on"), widget=_date_widget())
    file = forms.FileField(
        label=_("Document"),
        help_text=_("A scan or photo: PDF, JPEG or PNG. The submission time of the application stays."),
    )

    def upload(self) -> services.DocumentUpload:
        data = self.cleaned_data
        return services.DocumentUpload(
            category=data["category"], file=data["file"], issued_on=data["issued_on"]
        )


class CheckForm(forms.Form):
    # No length limit of the form's own: a number too long is "not found", like any other wrong one.
    number = forms.CharField(
        label=_("Application number"),
        help_text=_("Ten digits, as on the receipt; dashes and spaces are fine."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20}),
    )


# --- the cabinet ----------------------------------------------------------------------


def _positions_for_display(positions) -> list[dict]:
    """Each position with its explanation: the first sentence states it, the rest say why."""
    shown = []
    for position in positions:
        sentences = explain(position.standing)
        shown.append(
            {
                "entry": position.entry,
                "standing": position.standing,
                "summary": sentences[0],
                "reasons": sentences[1:],
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
    """My applications: each with its status and its position in every queue, explained."""
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
    """The parent's children, and the form that adds one."""
    form = ChildForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            guardianship = services.add_child(
                applicant=request.applicant,
                details=form.details(),
                actor=request.user,
                has_special_needs_conclusion=form.cleaned_data["has_special_needs_conclusion"],
            )
        except (ValidationError, DomainError) as error:
            add_service_error(form, error, form.service_field_names)
        else:
            messages.success(
                request,
                _("%(name)s is on your list. You can now apply for a kindergarten place.")
                % {"name": guardianship.child.full_name},
            )
            return redirect("applications:children")
    context = {"children": selectors.children_of(request.applicant), "form": form}
    return render(request, "applications/children.html", context)


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
            application = form.submit(applicant=request.applicant, actor=request.user)
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
    """One application: status, positions explained, documents, and everything that happened to it."""
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
    positions = positions_of_application(application.pk)
    documents = selectors.documents_of(application)
    context = {
        "application": application,
        "positions": _positions_for_display(positions),
        "documents": documents,
        "benefit_pending": any(document.verification == Verification.PENDING for document in documents),
        "history": selectors.application_history(application),
        "form": form if application.is_active else None,
    }
    return render(request, "applications/detail.html", context)


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
    counted per client address so the numbers cannot be walked through.
    """
    form = CheckForm(request.GET if "number" in request.GET else None)
    context = {"form": form, "searched": form.is_bound}
    if form.is_bound:
        if not _within_check_limit(request):
            context["limited"] = True
            return render(request, "applications/check.html", context, status=429)
        if form.is_valid():
            found = selectors.public_check(form.cleaned_data["number"])
            if found is not None:
                return _check_answer(request, context, found)
    return render(request, "applications/check.html", context)


def _check_answer(request, context: dict, found: selectors.PublicCheck) -> HttpResponse:
    """The page of a found application, from the cache where the same page was made at the same state.

    On bulletin day parents check the same numbers again and again; rendering the
    page is most of its cost (docs/performance.md). The page is a function of
    its address, the language and ``found.state`` (status and queue versions,
    read in this request), so a page cached under them is the page this request
    would render: exact, never stale. Only pages that are the same for every
    visitor are cached: a signed-in parent's menu, or a message waiting to be
    shown, is theirs alone.
    """
    shared = not request.user.is_authenticated and not len(messages.get_messages(request))
    key = _check_page_key(request, found) if shared else None
    page = cache.get(key) if key else None
    if page is not None:
        return HttpResponse(page)
    context["standing"] = found.standing()
    response = render(request, "applications/check.html", context)
    if key:
        cache.set(key, response.content, CHECK_PAGE_SECONDS)
    return response


def _check_page_key(request, found: selectors.PublicCheck) -> str:
    page = repr((request.get_full_path(), translation.get_language(), found.state))
    return "check-page:" + hashlib.sha256(page.encode()).hexdigest()


def _within_check_limit(request) -> bool:
    return within_limit(
        "public-check",
        client_address(request) or "unknown",
        limit=CHECK_LOOKUPS_PER_WINDOW,
        window_seconds=CHECK_WINDOW_SECONDS,
    )
