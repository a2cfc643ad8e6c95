"""`python manage.py rebuild_facet_counts`: recount the orders list's facet rollup from the
tables (orders/models/facets.py), e.g. after rows were loaded with the triggers off."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from orders.models import FacetCount


class Command(BaseCommand):
    help = "Recompute every order's line-item statuses and the facet rollup (PostgreSQL)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not FacetCount.available():
            raise CommandError("The facet rollup is kept on PostgreSQL only; nothing to rebuild.")
        FacetCount.rebuild()
        keys = len(FacetCount.rollup())
        self.stdout.write(self.style.SUCCESS(f"Facet rollup rebuilt: {keys} keys."))
