"""Celery tasks, discovered through this package (autodiscover imports `orders.tasks`).

Tasks are thin: load ids, call one service, map errors to retry or final failure.
"""

import importlib

# Each area keeps its tasks in its own module; import them so the worker registers them all.
for _module in ("placement", "sync", "webhooks", "staff"):
    try:
        importlib.import_module(f"orders.tasks.{_module}")
    except ModuleNotFoundError as exc:  # an area not written yet
        if exc.name != f"orders.tasks.{_module}":
            raise
