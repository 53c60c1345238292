"""Production mode: Django's deploy check is clean, and a wrong configuration refuses to start.

Settings are read once, when the process starts, so each case runs a fresh
Python process with the production environment (docs/security.md,
"Production settings and headers").
"""

import pytest

from core.tests.production import run


def test_the_deploy_check_finds_nothing_to_warn_about():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        (
            {"SECRET_KEY": "development-only-secret-key-never-use-in-production"},
            "refuses the development key",
        ),
        ({"SECRET_KEY": "x" * 20 + "abcdefghijklmnopqrstuvwxyz123"}, "at least 50 random characters"),
        ({"SECRET_KEY": "ab" * 40}, "at least 50 random characters"),
        ({"ALLOWED_HOSTS": ""}, "Set ALLOWED_HOSTS"),
        ({"DEBUG": "true"}, "DEBUG must be off"),
    ],
    ids=["development-key", "short-key", "repetitive-key", "no-allowed-hosts", "debug-on"],
)
def test_production_mode_refuses_to_start_when_misconfigured(overrides, refusal):
    result = run(["manage.py", "check"], **overrides)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert refusal in result.stderr


def test_production_cookies_carry_the_host_prefix_and_its_conditions(production_settings):
    """``__Host-`` cookies are refused by browsers unless Secure, for path /, and without a Domain."""
    for cookie in ("SESSION_COOKIE", "CSRF_COOKIE"):
        assert production_settings[f"{cookie}_NAME"].startswith("__Host-")
        assert production_settings[f"{cookie}_SECURE"] is True
        assert production_settings[f"{cookie}_PATH"] == "/"
        assert production_settings[f"{cookie}_DOMAIN"] is None
        assert production_settings[f"{cookie}_SAMESITE"] == "Lax"
    assert production_settings["SESSION_COOKIE_NAME"] == "__Host-session"
    assert production_settings["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert production_settings["SESSION_COOKIE_HTTPONLY"] is True


def test_production_asks_browsers_for_https_for_a_year_with_subdomains(production_settings):
    assert production_settings["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert production_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
