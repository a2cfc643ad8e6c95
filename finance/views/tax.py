"""Recipient tax totals per calendar year (at or above the year's US$ threshold)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.access import staff_view
from core.masking import mask_email, mask_name
from finance.tax import threshold_for, totals_at_threshold
from orders.filters import TIME_ZONES

PER_PAGE = 100


@require_GET
@staff_view("orders.view_order", "orders.view_reports")
def tax_totals(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("tz", "")
    zone = ZoneInfo(chosen if chosen in TIME_ZONES else settings.TIME_ZONE)
    this_year = timezone.now().astimezone(zone).year
    try:
        year = int(request.GET.get("year") or this_year - 1)
    except ValueError:
        year = this_year - 1
    year = max(2000, min(year, this_year))
    unmasked = request.user.has_perm("orders.view_recipient")
    totals = totals_at_threshold(year=year, zone=zone)
    page = Paginator(totals, PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "email": total.email if unmasked else mask_email(total.email),
            "name": f"{total.first_name} {total.last_name}".strip()
            if unmasked
            else mask_name(total.first_name, total.last_name),
            "rewards": total.rewards,
            "usd": total.usd,
            "other": total.other,
        }
        for total in page.object_list
    ]
    context = {
        "year": year,
        "years": list(range(this_year, this_year - 6, -1)),
        "zone": zone,
        "time_zones": TIME_ZONES,
        "threshold": threshold_for(year),
        "rows": rows,
        "page": page,
        "count": len(totals),
        "unmasked": unmasked,
        "query": f"year={year}&tz={zone.key}",
        "can_export": request.user.has_perm("orders.export_orders"),
        "formats": ("csv", "xlsx"),
    }
    return render(request, "finance/tax.html", context)
