from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The top of the app layers: `seed_demo` seeds every app's demo, lowest app first."""

    name = "demo"
    verbose_name = "Demo data"
