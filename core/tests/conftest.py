"""Fixtures of the core tests."""

import json

import pytest

from core.tests.production import PRINT_SETTINGS, PRODUCTION_SETTINGS, run


@pytest.fixture(scope="session")
def production_settings() -> dict:
    """The values production mode gives the settings that shape cookies, headers and middleware."""
    script = f"NAMES = {PRODUCTION_SETTINGS!r}\n{PRINT_SETTINGS}"
    result = run(["-c", script])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])
