from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "Sync health"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from health import signals

        signals.connect()
