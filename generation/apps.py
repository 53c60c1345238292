from django.apps import AppConfig


class GenerationConfig(AppConfig):
    """Installed for its management commands only: it has no models, no admin and no pages."""

    name = "generation"
    verbose_name = "Generated data"
