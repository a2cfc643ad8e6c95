"""Where an order came from, on its page: "From upload <name>, row N" (a link to the row).

orders' template loads this library (`{% load upload_links %}{% upload_origin order %}`): a
template tag, not an import, so orders never imports uploads.
"""

from __future__ import annotations

from typing import Any

from django import template

from uploads.models import UploadRow

register = template.Library()
SHOWN = 5  # an order carries one row today; should it carry many, the first few are named


@register.inclusion_tag("uploads/includes/order_origin.html", takes_context=True)
def upload_origin(context: template.Context, order: Any) -> dict[str, Any]:
    user = getattr(context.get("request"), "user", None)
    rows = list(
        UploadRow.objects.filter(order=order)
        .select_related("upload")
        .only("number", "upload_id", "upload__filename")
        .order_by("number")[: SHOWN + 1]
    )
    return {
        "rows": rows[:SHOWN],
        "more": len(rows) > SHOWN,
        # The upload's page is for those who upload; others read where the order came from.
        "can_open": bool(user and user.has_perm("uploads.add_upload")),
    }
