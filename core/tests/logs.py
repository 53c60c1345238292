"""A log handler built as settings.LOGGING builds its console handler, for tests that read log lines."""

import contextlib
import io
import logging
import logging.config

from django.conf import settings


@contextlib.contextmanager
def settings_log_output():
    """Everything logged inside, as the settings' handler writes it (its format and filters)."""
    stream = io.StringIO()
    config = settings.LOGGING["handlers"]["console"]
    handler = logging.StreamHandler(stream)
    configurator = logging.config.DictConfigurator(settings.LOGGING)
    handler.setFormatter(
        configurator.configure_formatter(dict(settings.LOGGING["formatters"][config["formatter"]]))
    )
    for name in config["filters"]:
        handler.addFilter(configurator.resolve(settings.LOGGING["filters"][name]["()"])())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
