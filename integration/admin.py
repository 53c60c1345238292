"""Organisations and their tokens: issue a token (its secret shown once) and revoke one at once."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core import clock

from . import services
from .models import MAX_TOKEN_LIFETIME, ApiToken, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    filter_horizontal = ["districts"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "role", "prefix", "created_at", "expires_at", "revoked_at"]
    list_filter = ["role", "organisation"]
    search_fields = ["name", "prefix", "organisation__name"]
    readonly_fields = ["prefix", "created_at", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "organisation", "role", "name", "expires_at"]

    def get_changeform_initial_data(self, request):
        return {"expires_at": clock.now() + MAX_TOKEN_LIFETIME}

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, secret = services.issue_token(
            organisation=obj.organisation,
            role=obj.role,
            name=obj.name,
            expires_at=obj.expires_at,
            actor=request.user,
        )
        for field in ApiToken._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state.adding = False
        obj._state.db = token._state.db
        messages.warning(
            request,
            _("The token's secret, shown this once; copy it now: %(secret)s") % {"secret": secret},
        )

    @admin.action(description=_("Revoke the selected tokens now"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.revoke_token(token=token, actor=request.user)
        messages.success(request, _("Revoked: the tokens stop working at once."))
