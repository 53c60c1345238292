"""The department specialist's desk: paper applications, benefit documents, withdrawals.

Every page here is thin: statuses, classes and documents change only through
``services`` (DESIGN.md, "Where things live"), and a refusal from a service
comes back as an error on the form, next to the input at fault. What a
specialist sees and may act on is the district scope of ``core.admin``.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.choices import Action
from core.admin import ScopedAdmin, ServiceActions, posted, remembered, uses_admin
from core.forms import add_service_error
from directory.models import Settlement
from queues.explanation import explain
from queues.selectors import positions_of_application

from . import numbers, register_checks, register_desk, services
from .choices import Channel, Verification
from .downloads import document_response
from .forms import ConfirmBenefitForm, PaperApplicationForm, ReasonForm
from .models import Application, BenefitDocument, Child
from .selectors import application_history

# --- admin pages ----------------------------------------------------------------


def may_act_on(request, application: Application) -> bool:
    """Whether the user may change this application through a service: staff of the admin, in change scope.

    The pages of records that hang on an application (its documents, its
    referrals) act on it within the application's scope.
    """
    if not uses_admin(request.user):
        return False
    queryset = Application.objects.restrict(request.user, Action.CHANGE).filter(pk=application.pk)
    return remembered(
        request, ("in scope", "applications.application", application.pk, Action.CHANGE), queryset.exists
    )


@admin.register(Application)
class ApplicationAdmin(ServiceActions, ScopedAdmin):
    read_only = True
    list_display = ("application_number", "child", "settlement", "status", "channel", "submitted_at")
    list_select_related = ("child", "settlement")
    list_filter = ("status", "channel", ("settlement", admin.RelatedOnlyFieldListFilter))
    search_fields = ("number", "child__iin", "child__surname")
    search_help_text = _("Search by application number, child's IIN (all 12 digits) or child's surname.")
    fieldsets = (
        (
            _("Application"),
            {
                "fields": (
                    "application_number",
                    "status",
                    "status_reason",
                    "status_changed_at",
                    "channel",
                    "submitted_at",
                    "registered_at",
                    "registered_by",
                )
            },
        ),
        (_("Child and applicant"), {"fields": ("child", "applicant", "relation")}),
        (_("Person register"), {"fields": ("register_check", "register_differences_shown")}),
        (
            _("Wishes"),
            {
                "fields": (
                    "settlement",
                    "wants_special",
                    "wants_sanatorium",
                    "preferred_language",
                    "preferred_kindergartens",
                )
            },
        ),
    )
    readonly_fields = (
        "application_number",
        "status",
        "status_reason",
        "status_changed_at",
        "channel",
        "submitted_at",
        "registered_at",
        "registered_by",
        "child",
        "applicant",
        "relation",
        "settlement",
        "wants_special",
        "wants_sanatorium",
        "preferred_language",
        "preferred_kindergartens",
        "register_check",
        "register_differences_shown",
    )
    change_form_template = "admin/applications/application/change_form.html"

    @admin.display(description=_("application number"), ordering="number")
    def application_number(self, application):
        return application.display_number

    @admin.display(description=_("differences from the person register"))
    def register_differences_shown(self, application):
        """Each difference: the field, what the application says, what the register says."""
        if not application.register_differences:
            return "—"
        return format_html_join(
            "",
            "<p>{}{}</p>",
            (
                (
                    register_checks.DIFFERENCE_LABELS.get(difference["field"], difference["field"]),
                    format_html(
                        ": {} «{}», {} «{}»",
                        _("on paper"),
                        difference["given"],
                        _("in the register"),
                        difference["register"],
                    )
                    if difference["given"] or difference["register"]
                    else "",
                )
                for difference in application.register_differences
            ),
        )

    def has_add_permission(self, request):
        """The add page is the paper application: for staff who may change some settlement."""
        if not uses_admin(request.user):
            return False
        return remembered(
            request, ("may register",), Settlement.objects.restrict(request.user, Action.CHANGE).exists
        )

    def get_search_results(self, request, queryset, search_term):
        """A number with or without dashes, a child's IIN in full, or the start of a child's surname."""
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = Q(child__surname__istartswith=term)
        number = numbers.normalise(term)
        if number:
            matches |= Q(number=number)
        if term.isdigit() and len(term) == 12:
            matches |= Q(child__iin=term)
        return queryset.filter(matches), False

    def get_urls(self):
        return [self.object_url("withdraw", "withdraw", self.withdraw_view), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, unquote(object_id))
        may_act = self.may_act(request, application)
        positions = [
            {
                "entry": position.entry,
                "standing": position.standing,
                "explanation": explain(position.standing),
            }
            for position in positions_of_application(application.pk)
        ]
        context = {
            "queue_positions": positions,
            "documents": application.benefit_documents.select_related("uploaded_by", "verified_by"),
            "history": application_history(application),
            "may_act": may_act,
            "can_withdraw": may_act and application.is_active,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def add_view(self, request, form_url="", extra_context=None):
        """Enter a paper application with the time the department received it (DESIGN.md, State and time)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PaperApplicationForm(request.user, posted(request), request.FILES or None)
        if "compare" in request.POST:
            return self._paper_page(request, form, extra_context, comparison=self._compare(request, form))
        response = self.submit(
            request,
            form,
            lambda _data: register_checks.submit_paper(
                form.intake(), channel=Channel.EDUCATION_DEPARTMENT, actor=request.user
            ),
            done=lambda application: (
                _("Application %(number)s is registered and stands in its queues.")
                % {"number": application.display_number}
            ),
            then=self.change_url,
            field_names=form.service_field_names,
        )
        return response or self._paper_page(request, form, extra_context)

    def _compare(self, request, form) -> dict | None:
        """The register's record of the child beside the paper's, nothing kept: asked again on registering.

        Only through ``register_desk``'s gate; a settlement the form does not
        offer this user was forged into the request, and is refused on the record.
        """
        try:
            if form.has_error("settlement", "invalid_choice"):
                register_desk.refuse_forged_settlement(
                    request.user,
                    form.data.get("settlement", ""),
                    child_iin=form.cleaned_data.get("child_iin", ""),
                )
            if not form.is_valid():
                return None
            paper = form.intake()
            comparison = register_desk.compare_paper(paper, user=request.user)
        except register_desk.ComparisonRefused as refusal:
            add_service_error(form, refusal)
            return None
        fields = {difference["field"] for difference in comparison.differences}
        return {
            "answered": comparison.answered,
            "found": comparison.person is not None,
            "withheld": register_checks.NOT_REPRESENTATIVE in fields and comparison.person is None,
            "rows": comparison.rows(paper.child),
            "differences": register_checks.describe(comparison.differences),
        }

    def _paper_page(self, request, form, extra_context, comparison=None):
        return self.admin_page(
            request,
            "admin/applications/application/paper_form.html",
            title=_("Enter a paper application"),
            form=form,
            fieldsets=form.grouped_fields(),
            comparison=comparison,
            media=self.media + form.media,
            **(extra_context or {}),
        )

    def withdraw_view(self, request, object_id):
        """Withdraw on the applicant's written request: the application leaves its queues and is kept."""
        application = self.object_to_act_on(request, object_id)
        form = ReasonForm(posted(request))
        response = self.submit(
            request,
            form,
            lambda data: services.withdraw_application(
                application=application, actor=request.user, reason=data["reason"]
            ),
            done=_("Application %(number)s is withdrawn and has left every queue.")
            % {"number": application.display_number},
            then=self.change_url(application),
        )
        return response or self.action_form_page(
            request,
            title=_("Withdraw application %(number)s") % {"number": application.display_number},
            intro=_(
                "The application will leave every queue it stands in. It is kept, never deleted, "
                "and it cannot be put back: the child would need a new application."
            ),
            subject=application,
            form=form,
            submit_label=_("Withdraw the application"),
            cancel_url=self.change_url(application),
        )


class AwaitingMyCheckFilter(admin.SimpleListFilter):
    """The documents a specialist may check now: pending, and not uploaded by them (four eyes)."""

    title = _("check")
    parameter_name = "check"

    def lookups(self, request, model_admin):
        return [("mine", _("Awaiting my check (not my own uploads)"))]

    def queryset(self, request, queryset):
        if self.value() != "mine":
            return queryset
        return queryset.filter(verification=Verification.PENDING).exclude(uploaded_by=request.user)


@admin.register(BenefitDocument)
class BenefitDocumentAdmin(ServiceActions, ScopedAdmin):
    read_only = True
    list_display = ("application", "category", "verification", "issued_on", "uploaded_at")
    list_select_related = ("application",)
    list_filter = (AwaitingMyCheckFilter, "verification", "category")
    search_fields = ("=application__number", "=application__child__iin")
    search_help_text = _("Search by application number (ten digits) or child's IIN.")
    fields = (
        "application",
        "category",
        "issued_on",
        "download_link",
        "content_type",
        "uploaded_at",
        "uploaded_by",
        "verification",
        "valid_until",
        "verified_by",
        "verified_at",
        "rejection_reason",
        "file_purged_at",
    )
    readonly_fields = fields
    change_form_template = "admin/applications/benefitdocument/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application")

    @admin.display(description=_("file"))
    def download_link(self, document):
        if document.file_purged_at:
            return _("File deleted under the retention rule")
        url = reverse("admin:applications_benefitdocument_download", args=[document.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def get_urls(self):
        return [
            self.object_url("confirm", "confirm", self.confirm_view),
            self.object_url("reject", "reject", self.reject_view),
            self.object_url("download", "download", self.download_view),
            *super().get_urls(),
        ]

    def may_act(self, request, document) -> bool:
        return may_act_on(request, document.application)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        document = self.get_object(request, unquote(object_id))
        context = {"may_decide": self.may_act(request, document), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context=context)

    def confirm_view(self, request, object_id):
        return self._decision(
            request,
            object_id,
            ConfirmBenefitForm,
            decide=lambda document, data: services.confirm_benefit(
                document=document, actor=request.user, valid_until=data["valid_until"]
            ),
            title=_("Confirm a benefit document"),
            intro=_(
                "Once confirmed, the benefit counts: the application moves to its class in every queue, "
                "keeping its submission time."
            ),
            submit_label=_("Confirm the benefit"),
            done=_("The benefit is confirmed. The application's class is updated in its queues."),
        )

    def reject_view(self, request, object_id):
        return self._decision(
            request,
            object_id,
            ReasonForm,
            decide=lambda document, data: services.reject_benefit(
                document=document, actor=request.user, reason=data["reason"]
            ),
            title=_("Reject a benefit document"),
            intro=_("The benefit will not count. Say why: the parent reads the reason in their history."),
            submit_label=_("Reject the document"),
            done=_("The document is rejected."),
        )

    def _decision(self, request, object_id, form_class, *, decide, title, intro, submit_label, done):
        document = self.object_to_act_on(request, object_id)
        form = form_class(posted(request))
        response = self.submit(
            request,
            form,
            lambda data: decide(document, data),
            done=done,
            then=reverse("admin:applications_application_change", args=[document.application_id]),
        )
        return response or self.action_form_page(
            request,
            title=title,
            intro=intro,
            subject=f"{document.application.display_number} · {document}",
            download_url=reverse("admin:applications_benefitdocument_download", args=[document.pk]),
            form=form,
            submit_label=submit_label,
            cancel_url=self.change_url(document),
        )

    def download_view(self, request, object_id):
        """Serve the file to staff who may see it, as a download that cannot run in a browser (RULES.md 6)."""
        document = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, document):
            raise PermissionDenied
        return document_response(document, actor=request.user)


@admin.register(Child)
class ChildAdmin(ScopedAdmin):
    read_only = True
    list_display = ("surname", "name", "patronymic", "iin", "birth_date", "sex")
    list_filter = ("sex", ("applications__settlement", admin.RelatedOnlyFieldListFilter))
    search_fields = ("=iin", "surname")
    search_help_text = _("Search by IIN (all 12 digits) or surname.")
    fields = ("iin", "surname", "name", "patronymic", "birth_date", "sex", "application_links")
    readonly_fields = fields

    def restricted(self, queryset, user, action: str):
        return super().restricted(queryset, user, action).distinct()

    def get_queryset(self, request):
        in_scope = Application.objects.restrict(request.user, Action.VIEW).order_by("-registered_at")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("applications", queryset=in_scope, to_attr="applications_in_scope"))
        )

    @admin.display(description=_("applications"))
    def application_links(self, child):
        """The child's applications in the user's districts; others are not the user's to see."""
        applications = child.applications_in_scope
        return format_html_join(
            ", ",
            '<a href="{}">{}</a> ({})',
            (
                (
                    reverse("admin:applications_application_change", args=[application.pk]),
                    application.display_number,
                    application.get_status_display(),
                )
                for application in applications
            ),
        )
