"""Production-mode processes for the tests of settings and headers."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in NAMES}))
"""
PRODUCTION_SETTINGS = (
    "MIDDLEWARE",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_PATH",
    "SESSION_COOKIE_DOMAIN",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "CSRF_COOKIE_PATH",
    "CSRF_COOKIE_DOMAIN",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "TRUSTED_PROXIES",
)


def production_environment(**overrides) -> dict:
    """This process's environment, switched to production with a sound key and host, then ``overrides``."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environment.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="kindergarten_queue.settings",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="kezek.example",
    )
    environment.update(overrides)
    return environment


def run(arguments: list[str], **overrides) -> subprocess.CompletedProcess:
    """``python *arguments`` in a fresh process in production mode, from the project's folder."""
    return subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, *arguments],
        cwd=settings.BASE_DIR,
        env=production_environment(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
