"""Serve the fake phone register over HTTP on loopback, so the production adapter can be tried locally.

Set ``PHONE_REGISTER_BACKEND=accounts.phone_register.HttpRegister`` and
``PHONE_REGISTER_URL=http://127.0.0.1:<port>/`` in the app's environment.
"""

from http.server import ThreadingHTTPServer

from django.core.management.base import BaseCommand

from accounts.phone_register import FakeRegisterHandler


class Command(BaseCommand):
    help = "Serve the fake register of mobile numbers (PHONE_REGISTER_FAKE_FILE) on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8099)

    def handle(self, *args, port, **options):
        server = ThreadingHTTPServer(("127.0.0.1", port), FakeRegisterHandler)
        self.stdout.write(f"Fake phone register on http://127.0.0.1:{port}/ (Ctrl+C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
