"""Issue a fresh API token for the demo service centre and print it (development only).

``make run`` calls it after ``load_demo`` so that the README's curl session
works at once. Each run revokes the previous demo token, because a secret can
be shown only when it is issued: only its hash is kept.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integration import services
from integration.choices import OrganisationKind, TokenRole
from integration.models import ApiToken, Organisation

DEMO_ORGANISATION = "Demo service centre (ХҚКО / ЦОН)"


class Command(BaseCommand):
    help = "Issue a fresh API token for the demo service centre and print it (refused in production)."

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION:
            raise CommandError("demo_api_token refuses to run in production mode: it prints a secret.")
        organisation, _ = Organisation.objects.get_or_create(
            name=DEMO_ORGANISATION, defaults={"kind": OrganisationKind.SERVICE_CENTRE}
        )
        for token in ApiToken.objects.filter(organisation=organisation, revoked_at__isnull=True):
            services.revoke_token(token=token)
        _, secret = services.issue_token(organisation=organisation, role=TokenRole.GOV_CORP, name="demo")
        self.stdout.write(f"  API token of the demo service centre (README, 'The integration API'): {secret}")
