"""The audit trail for staff, read-only for everyone, superusers included (RULES.md section 5).

Administrators and superusers read every event; a specialist reads the events
of the records in their districts. Which target types are scoped, and how, is
named here by label: the audit app does not import the models it records.
"""

from django.apps import apps
from django.contrib import admin
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import ScopedAdmin
from core.scoping import Action

from .models import AuditEvent
from .vocabulary import code_words, details_in_words, label_of, record_kind

#: Target types a specialist may read events of: those whose record lies in their scope.
SCOPED_TARGET_TYPES = ("applications.application",)


class ActionFilter(admin.SimpleListFilter):
    """The actions recorded so far, in words (``audit.vocabulary``), the code kept in the URL.

    It replaces Django's filter of the field's values, which listed the codes.
    """

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        # As Django's own filter of a field's values: every action ever recorded (the names are no secret).
        recorded = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
        return sorted(((action, label_of(action)) for action in recorded), key=lambda choice: choice[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdmin):
    read_only = True
    list_display = ("at", "actor", "role_label", "action_label", "target_link", "ip_address")
    list_select_related = ("actor",)
    list_filter = (ActionFilter, "at")
    search_fields = ("=target_id", "=request_id")
    search_help_text = _("Search by record id or request id.")
    fields = (
        "at",
        "actor",
        "role_label",
        "action_label",
        "target_link",
        "details_words",
        "ip_address",
        "request_id",
    )
    readonly_fields = ("role_label", "action_label", "target_link", "details_words")
    date_hierarchy = "at"

    def restricted(self, queryset, user, action: str):
        district_ids = user.district_scope(action) if user.is_authenticated and user.is_active else set()
        if district_ids is None:
            return queryset
        in_scope = Q(pk__in=[])
        for label in SCOPED_TARGET_TYPES:
            target_ids = (
                apps.get_model(label)
                ._default_manager.restrict(user, action)
                .annotate(text_id=Cast("pk", output_field=CharField()))
                .values("text_id")
            )
            in_scope |= Q(target_type=label, target_id__in=target_ids)
        return queryset.filter(in_scope)

    def in_scope(self, request, obj, action: str) -> bool:
        return action == Action.VIEW and super().in_scope(request, obj, action)

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, event):
        return label_of(event.action)

    @admin.display(description=_("role"), ordering="actor_role")
    def role_label(self, event):
        return code_words("role", event.actor_role) or event.actor_role or self.get_empty_value_display()

    @admin.display(description=_("details"))
    def details_words(self, event):
        pairs = details_in_words(event.details, target_type=event.target_type)
        if not pairs:
            return self.get_empty_value_display()
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", pairs))

    @admin.display(description=_("record"), ordering="target_id")
    def target_link(self, event):
        if not event.target_type:
            return self.get_empty_value_display()
        text = f"{record_kind(event.target_type)} {event.target_id}"
        app_label, _dot, model_name = event.target_type.partition(".")
        try:
            url = reverse(f"admin:{app_label}_{model_name}_change", args=[event.target_id])
        except NoReverseMatch:
            return text
        return format_html('<a href="{}">{}</a>', url, text)
