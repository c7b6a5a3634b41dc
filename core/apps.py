from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from simple_history.signals import pre_create_historical_record

        # Registers the OpenAPI descriptions of the authentication schemes.
        from core.api import schema  # noqa: F401
        from core.history import fill_request_context

        pre_create_historical_record.connect(fill_request_context, dispatch_uid="core.history.fill_request_context")
