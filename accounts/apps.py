from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from audit.vocabulary import describe_codes

        from . import audit_events, sessions  # noqa: F401 (connect the sign-in and the session receivers)
        from .choices import NoticeChannel, Role
        from .models import CodePurpose

        # The codes this app writes into the audit trail's details, read in words there.
        describe_codes("purpose", CodePurpose.choices)
        describe_codes("role", Role.choices)
        describe_codes("channel", NoticeChannel.choices)
