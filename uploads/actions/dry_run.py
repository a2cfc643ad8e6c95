"""The dry run: every problem of every row, then what the valid rows would need. Nothing placed.

Per row: the order-entry validator (orders.actions.validation.validate_order: utid, amount,
delivery method, email, phone, address...), plus what only a file can have: an unknown account
or utid, a currency that is not the account's, a row repeating another row of the file (same
externalRefID), a row already placed from an upload (when and by whom), and, as a warning that
does not block, a row matching an order entered in the last UPLOAD_RECENT_DAYS days (same
recipient, reward and amount). Then, for the valid rows as one batch: the approvals each would
need (approvals.policy.evaluate, read only) and, per account, the money needed with the
catalog's fees (approvals.funds.catalog_fee) against the balance.

Rows are checked in chunks; the upload's `checked_rows` is the progress bar.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from approvals.funds import catalog_fee
from approvals.policy import current_policy
from orders.actions.validation import ADDRESS_KEYS, parse_amount, validate_order
from orders.models import Account, CatalogItem, LineItem
from orders.statuses import AccountStatus
from orders.statuses import PlacementState as _P
from uploads.actions.verdicts import row_verdicts, store_verdicts
from uploads.columns import ADDRESS_PREFIX
from uploads.models import PlacedRow, Upload, UploadRow
from uploads.rows import row_utid, row_values

CHUNK = 500
KIND_LABELS = {
    "account": "Unknown or inactive account",
    "utid": "Unknown or inactive reward (utid)",
    "amount": "Amount not allowed",
    "currency": "Currency not the account's",
    "delivery_method": "Delivery method not allowed",
    "recipient_name": "Recipient name missing",
    "recipient_email": "Bad or missing email",
    "recipient_mobile": "Bad or missing mobile",
    "address": "Mailing address incomplete or not allowed",
    "details": "Sender, message, campaign, notes or PO number",
    "duplicate_row": "Repeats another row of the file",
    "already_placed": "Already placed from an upload",
    "recent_order": "Matches a recent order (warning)",
    "other": "Other",
}
NOT_SPENDING = (_P.REJECTED, _P.WITHDRAWN)
# The order's own fields, checked by the validator too (create_order takes them as details).
DETAIL_KEYS = (
    "sender_first_name",
    "sender_last_name",
    "sender_email",
    "message",
    "campaign",
    "notes",
    "purchase_order_number",
)


def kind_for(field: str) -> str:
    if field.startswith(ADDRESS_PREFIX):
        return "address"
    if field in {"recipient_first_name", "recipient_last_name"}:
        return "recipient_name"
    if field in DETAIL_KEYS:
        return "details"
    return field if field in KIND_LABELS else "other"


def run_dry_run(*, upload_id: int) -> Upload:
    """Check every row of a CHECKING upload and write its summary (a re-run starts over)."""
    upload = Upload.objects.select_related("created_by").get(pk=upload_id)
    if upload.status != Upload.Status.CHECKING:
        return upload
    Upload.objects.filter(pk=upload.pk).update(checked_rows=0)
    try:
        summary = _check_all(upload)
    except Exception as exc:
        # Said on the page; the exception still reaches Celery's log.
        Upload.objects.filter(pk=upload.pk).update(
            status=Upload.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:1000]
        )
        raise
    Upload.objects.filter(pk=upload.pk).update(
        status=Upload.Status.CHECKED, summary=summary, checked_at=timezone.now()
    )
    upload.refresh_from_db()
    return upload


def _check_all(upload: Upload) -> dict[str, Any]:
    checker = _RowChecker(upload)
    last = 0
    while True:
        rows = list(upload.rows.filter(number__gt=last).order_by("number")[:CHUNK])
        if not rows:
            break
        checker.check(rows)
        _rewrite(rows)
        Upload.objects.filter(pk=upload.pk).update(checked_rows=F("checked_rows") + len(rows))
        last = rows[-1].number
    return _summarise(upload, checker.catalog)


def _rewrite(rows: list[UploadRow]) -> None:
    """Write the chunk's results: its rows deleted and inserted again with the same ids.

    Django's bulk_update builds one CASE WHEN per row and field, about 1 ms each in the
    compiler: 90% of a 10,000-row dry run. Nothing points at a row before it is placed (a
    dry run only runs while the upload is CHECKING), so two plain statements do.
    """
    with transaction.atomic():
        UploadRow.objects.filter(pk__in=[row.pk for row in rows]).delete()
        UploadRow.objects.bulk_create(rows)


class _RowChecker:
    def __init__(self, upload: Upload) -> None:
        self.upload = upload
        self.accounts = {a.identifier.lower(): a for a in Account.objects.all()}
        self.catalog = {item.utid.upper(): item for item in CatalogItem.objects.all()}
        self.seen: dict[str, int] = {}  # externalRefID -> first row number in the file
        self.since = timezone.now() - timedelta(days=settings.UPLOAD_RECENT_DAYS)

    def check(self, rows: list[UploadRow]) -> None:
        placed = {
            p.external_ref_id: p
            for p in PlacedRow.objects.filter(
                external_ref_id__in=[r.external_ref_id for r in rows]
            ).select_related("placed_by", "row__upload")
        }
        values = [row_values(self.upload, row) for row in rows]
        recent = self._recent_orders(values)
        for row, vals in zip(rows, values, strict=True):
            problems: list[dict[str, str]] = []
            warnings: list[dict[str, str]] = []
            self._check_row(row, vals, problems)
            first = self.seen.setdefault(row.external_ref_id, row.number)
            if first != row.number:
                problems.append(_p("duplicate_row", "", f"Repeats row {first} of this file."))
            if row.external_ref_id in placed:
                p = placed[row.external_ref_id]
                problems.append(
                    _p(
                        "already_placed",
                        "",
                        f"Already placed on {timezone.localtime(p.placed_at):%Y-%m-%d %H:%M} by "
                        f"{p.placed_by.get_username()} (order {p.order_id}, upload "
                        f"{p.row.upload_id} row {p.row.number}).",
                    )
                )
            match = recent.get(_recent_key(vals))
            if match:
                warnings.append(
                    _p(
                        "recent_order",
                        "",
                        f"Matches order {match[0]} entered {match[1]:%Y-%m-%d} (same recipient, "
                        "reward and amount).",
                    )
                )
            row.problems, row.warnings = problems, warnings
            row.checked, row.valid = True, not problems

    def _check_row(self, row: UploadRow, vals: dict[str, str], problems: list) -> None:
        identifier = vals.get("account", "").strip()
        account = self.accounts.get(identifier.lower())
        row.account = account
        if account is None:
            problems.append(
                _p("account", "account", f"Account {identifier!r} is not one of ours.")
                if identifier
                else _p("account", "account", "The account is required.")
            )
            # Still check everything else against an active account of no currency.
            account = Account(identifier=identifier, status=AccountStatus.ACTIVE, currency="")
        utid = vals.get("utid", "").strip()
        item = self.catalog.get(utid.upper())
        if utid and item is None:
            problems.append(
                _p("utid", "utid", f"utid {utid} is not in the catalog (sync the catalog?).")
            )
        method = vals.get("delivery_method", "").strip().upper()
        found = validate_order(
            account=account,
            catalog_item=item,
            utid=utid,
            amount=vals.get("amount", "").strip(),
            delivery_method=method,
            recipient_first_name=vals.get("recipient_first_name", ""),
            recipient_last_name=vals.get("recipient_last_name", ""),
            recipient_email=vals.get("recipient_email", ""),
            recipient_mobile=vals.get("recipient_mobile", ""),
            address={key: vals.get(f"address_{key}", "") for key in ADDRESS_KEYS},
            **{key: vals.get(key, "").strip() for key in DETAIL_KEYS},
        )
        said: set[tuple[str, str]] = set()
        for field, messages in found.items():
            for message in messages:
                kind = kind_for(field)
                if (kind, message) not in said:
                    said.add((kind, message))
                    problems.append(_p(kind, field, message))
        currency = vals.get("currency", "").strip().upper()
        expected = item.currency if item else account.currency
        if currency and expected and currency != expected:
            problems.append(
                _p(
                    "currency",
                    "currency",
                    f"Currency {currency} is not the {'reward' if item else 'account'}'s "
                    f"({expected}).",
                )
            )
        row.amount = parse_amount(vals.get("amount", "").strip() or "0", None)
        row.currency = (currency or expected or "")[:3]

    def _recent_orders(self, values: list[dict[str, str]]) -> dict[tuple, tuple[int, Any]]:
        utids = {v.get("utid", "").strip().upper() for v in values} - {""}
        if not utids:
            return {}
        lines = (
            LineItem.objects.filter(
                utid__in=utids, order__created_at__gte=self.since, line_number=1
            )
            .exclude(order__state__in=NOT_SPENDING)
            .values_list(
                "utid",
                "amount",
                "recipient_email",
                "recipient_mobile",
                "order_id",
                "order__created_at",
            )
        )
        found: dict[tuple, tuple[int, Any]] = {}
        for utid, amount, email, mobile, order_id, created in lines:
            who = (email or "").lower() or (mobile or "")
            if who:
                found.setdefault((utid.upper(), str(amount), who), (order_id, created))
        return found


def _recent_key(vals: dict[str, str]) -> tuple:
    amount = parse_amount(vals.get("amount", "").strip() or "0", None)
    who = vals.get("recipient_email", "").strip().lower() or vals.get("recipient_mobile", "")
    return (vals.get("utid", "").strip().upper(), str(amount), who.strip())


def _p(kind: str, field: str, message: str) -> dict[str, str]:
    return {"kind": kind, "field": field, "message": message}


def _summarise(upload: Upload, catalog: dict[str, CatalogItem]) -> dict[str, Any]:
    kinds: dict[str, int] = defaultdict(int)
    valid = invalid = warned = 0
    for problems, warnings, ok in upload.rows.values_list("problems", "warnings", "valid"):
        valid += ok
        invalid += not ok
        warned += bool(warnings)
        for kind in {p["kind"] for p in problems + warnings}:
            kinds[kind] += 1
    valid_rows = list(
        upload.rows.filter(valid=True)
        .select_related("account")
        .only("pk", "cells", "amount", "currency", "account")
    )
    return {
        "valid": valid,
        "invalid": invalid,
        "warned": warned,
        "kinds": [
            {"kind": k, "label": KIND_LABELS.get(k, k), "rows": n}
            for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])
        ],
        "money": _money(upload, valid_rows, catalog),
        "approvals": _approvals(upload, valid_rows),
    }


def _money(upload: Upload, rows: list[UploadRow], catalog: dict) -> list[dict[str, Any]]:
    per: dict[tuple[int, str], dict[str, Any]] = {}
    for row in rows:
        assert row.account is not None and row.amount is not None  # valid rows have both
        spend = per.setdefault(
            (row.account.pk, row.currency),
            {
                "account": row.account,
                "rows": 0,
                "face": Decimal(0),
                "fees": Decimal(0),
                "known": True,
            },
        )
        spend["rows"] += 1
        spend["face"] += row.amount
        fee = catalog_fee(catalog.get(row_utid(upload, row)), row.amount)
        if fee is None:
            spend["known"] = False
        else:
            spend["fees"] += fee
    out = []
    for (_, currency), s in per.items():
        account, total = s["account"], s["face"] + s["fees"]
        same = currency == account.currency
        out.append(
            {
                "account": account.identifier,
                "currency": currency,
                "rows": s["rows"],
                "face_value": f"{s['face']:.2f}",
                "fees": f"{s['fees']:.2f}",
                "fees_known": s["known"],
                "total": f"{total:.2f}",
                "balance": f"{account.current_balance:.2f}",
                "balance_currency": account.currency,
                "exceeds": same and total > account.current_balance,
            }
        )
    return out


def _approvals(upload: Upload, rows: list[UploadRow]) -> dict[str, Any]:
    """The policy's verdicts for the valid rows as one batch, stored on the rows (read only
    otherwise: uploads.actions.verdicts)."""
    policy = current_policy()
    if policy is None or not rows:
        UploadRow.objects.filter(upload=upload).update(approval="", approvals_needed=0, rules=[])
        return {"rows": 0, "dual": 0, "policy_version": policy.version if policy else None}
    verdicts = row_verdicts(upload, rows)
    store_verdicts(rows, verdicts)
    waiting = [v for v in verdicts.values() if v.needs_approval]
    return {
        "rows": len(waiting),
        "dual": sum(1 for v in waiting if v.approvals_needed > 1),
        "batch": next((h.message for v in waiting for h in v.hits if h.code == "batch"), ""),
        "policy_version": policy.version,
    }
