from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Registers the OpenAPI descriptions of the authentication schemes.
        from core.api import schema  # noqa: F401
