"""Fixtures of the core tests."""

import json

import pytest

from core.tests.logs import settings_log_output
from core.tests.production import PRINT_SETTINGS, PRODUCTION_SETTINGS, run


@pytest.fixture(scope="session")
def production_settings() -> dict:
    """The values production mode gives the settings that shape cookies, headers and middleware."""
    script = f"NAMES = {PRODUCTION_SETTINGS!r}\n{PRINT_SETTINGS}"
    result = run(["-c", script])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture
def json_lines(settings):
    """The lines the settings' handler writes with ``LOG_FORMAT=json``, parsed."""
    logging_config = {**settings.LOGGING, "handlers": {**settings.LOGGING["handlers"]}}
    logging_config["handlers"]["console"] = {**logging_config["handlers"]["console"], "formatter": "json"}
    settings.LOGGING = logging_config
    with settings_log_output() as stream:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
