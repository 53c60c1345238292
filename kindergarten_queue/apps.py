from axes.apps import AppConfig as AxesAppConfig
from django.contrib.admin.apps import AdminConfig
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


class KezekAdminConfig(AdminConfig):
    """The admin with Kezek's site, which only specialists and national administrators may enter."""

    default_site = "core.admin.KezekAdminSite"

    def ready(self):
        super().ready()
        from django.contrib.admin.templatetags import admin_list

        # Every admin list, form and read-only field takes the icon from here (issue 14: no English word).
        admin_list._boolean_icon = _boolean_icon


class AxesConfig(AxesAppConfig):
    """django-axes under a name staff read in their language (its own is the Latin word "Axes")."""

    verbose_name = _("Sign-in attempts")


def _boolean_icon(value):
    """Django's yes/no icon with its text alternative in the page's language (Django writes "True")."""
    words = {True: _("Yes"), False: _("No"), None: _("Unknown")}
    icon = static("admin/img/icon-%s.svg" % {True: "yes", False: "no", None: "unknown"}[value])
    return format_html('<img src="{}" alt="{}">', icon, words[value])
