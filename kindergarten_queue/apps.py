from django.contrib.admin.apps import AdminConfig


class KezekAdminConfig(AdminConfig):
    """The admin with Kezek's site, which only specialists and national administrators may enter."""

    default_site = "core.admin.KezekAdminSite"
