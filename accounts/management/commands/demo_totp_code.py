"""Print the code a staff login's authenticator app would show now, for trying the demo (``make run``).

The demo's staff logins have authenticator devices with one published key
(``load_demo``); this saves installing an app to sign in. It prints a
second factor, so it refuses to run unless DEBUG is on or DJANGO_ENV is
development.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.second_factor import confirmed_device, current_code


class Command(BaseCommand):
    help = "Print the current authenticator code of a staff login (development only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not (settings.DEBUG or settings.DJANGO_ENV == "development"):
            raise CommandError(
                "demo_totp_code runs only with DEBUG on or DJANGO_ENV=development: it prints a second factor."
            )
        user = User.objects.filter(username=username).first()
        device = confirmed_device(user) if user is not None else None
        if device is None:
            raise CommandError(f"{username} has no authenticator device: sign in once to add one.")
        self.stdout.write(current_code(device))
