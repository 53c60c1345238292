"""The directory for staff: administrators keep districts and settlements, specialists their kindergartens."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from core.admin import ScopedAdmin, ScopedTabularInline

from .models import District, Group, Kindergarten, Region, Settlement


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    """Regions, kept by national administrators like districts; a specialist sees their districts' regions."""

    national_editors_only = True
    scope_path = "districts"
    list_display = ("kato_code", "name_kk", "name_ru", "district_count")
    search_fields = ("kato_code", "name_kk", "name_ru")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(district_total=Count("districts", distinct=True))

    @admin.display(description=_("districts"), ordering="district_total")
    def district_count(self, region):
        return region.district_total


@admin.register(District)
class DistrictAdmin(ScopedAdmin):
    national_editors_only = True
    list_display = ("kato_code", "name_kk", "name_ru", "region", "settlement_count")
    list_select_related = ("region",)
    list_filter = (("region", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("kato_code", "name_kk", "name_ru")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(settlement_total=Count("settlements"))

    @admin.display(description=_("settlements"), ordering="settlement_total")
    def settlement_count(self, district):
        return district.settlement_total


@admin.register(Settlement)
class SettlementAdmin(ScopedAdmin):
    national_editors_only = True
    list_display = ("kato_code", "name_kk", "name_ru", "kind", "district")
    list_select_related = ("district",)
    list_filter = ("kind", ("district", admin.RelatedOnlyFieldListFilter))
    search_fields = ("kato_code", "name_kk", "name_ru", "district__name_kk", "district__name_ru")


class GroupInline(ScopedTabularInline):
    model = Group
    fields = ("name", "birth_year", "language", "kind", "capacity")


class KindergartenLanguageFilter(admin.SimpleListFilter):
    """The languages of a kindergarten are those of its groups, so the filter looks there."""

    title = _("group language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return Group._meta.get_field("language").choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(groups__language=self.value()).distinct()
        return queryset


@admin.register(Kindergarten)
class KindergartenAdmin(ScopedAdmin):
    list_display = ("name_kk", "name_ru", "settlement", "kind", "ownership", "language_list")
    list_select_related = ("settlement",)
    list_filter = (
        ("settlement__district", admin.RelatedOnlyFieldListFilter),
        ("settlement", admin.RelatedOnlyFieldListFilter),
        "kind",
        "ownership",
        KindergartenLanguageFilter,
    )
    search_fields = (
        "name_kk",
        "name_ru",
        "settlement__kato_code",
        "settlement__name_kk",
        "settlement__name_ru",
    )
    inlines = (GroupInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("languages"))
    def language_list(self, kindergarten):
        labels = dict(Group._meta.get_field("language").choices)
        return ", ".join(str(labels[language]) for language in kindergarten.languages)


@admin.register(Group)
class GroupAdmin(ScopedAdmin):
    list_display = ("name", "kindergarten", "birth_year", "language", "kind", "capacity")
    list_select_related = ("kindergarten",)
    list_filter = (
        ("kindergarten__settlement", admin.RelatedOnlyFieldListFilter),
        "language",
        "kind",
        "birth_year",
    )
    search_fields = (
        "name",
        "kindergarten__name_kk",
        "kindergarten__name_ru",
        "kindergarten__settlement__kato_code",
    )
