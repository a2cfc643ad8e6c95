"""Entering one order from the new-order form: validate, create the draft, submit it.

* `validate_entry(entered)`: every problem, keyed by the form's field names, from THE
  validator (orders.actions.validation.validate_order) plus the form's own rule that the
  reward is picked from the synced catalog.
* `enter_order(entered, token=..., actor=...)`: the draft order
  (orders.actions.entry.create_order(..., submit=False)) and its submission through the
  approval policy (approvals.actions.submit.submit_orders), in one transaction: queued, or
  waiting for approval with the rule it hit.

Exactly one order per form: the form carries a signed one-time token (`new_form_token`) and
the order's externalRefID is derived from it, so a double click, or back and submit again,
finds the order the first submit made (or loses the race on the unique externalRefID) and
creates nothing. The token is signed with the user in it: it cannot be forged, reused by
someone else, or used to pick an externalRefID.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction

from approvals.actions.submit import OrderOutcome, submit_orders
from core.actor import Actor
from core.errors import ActionNotAllowed, Problems
from orders.actions.entry import OrderDetails, create_order
from orders.actions.validation import ADDRESS_KEYS, validate_order
from orders.models import Account, CatalogItem, Order
from orders.statuses import PHYSICAL_DELIVERY_METHODS

SIGNING_SALT = "entry.new-order"
TOKEN_MAX_AGE = 24 * 3600  # a form left open overnight must be reloaded
RECIPIENT_KEYS = ("first_name", "last_name", "email", "mobile")
DETAIL_KEYS = tuple(key for key in OrderDetails.__annotations__ if key != "etid")


class StaleForm(ActionNotAllowed):
    """The form's token is not this user's, was tampered with, or is too old."""


@dataclass(frozen=True)
class Entered:
    """What the form produced: the order, what submitting did, and whether this request was
    a repeat of a submit that already made it."""

    order: Order
    outcome: OrderOutcome | None  # None for a repeat
    repeated: bool = False

    @property
    def message(self) -> str:
        if self.outcome is not None:
            return f"Order #{self.order.pk} created. {self.outcome.reason}"
        return (
            f"This form was already submitted: it created order #{self.order.pk} "
            f"({self.order.get_state_display().lower()}); nothing new was created."
        )


def new_form_token(user: Any) -> str:
    return signing.dumps({"u": user.pk, "n": uuid.uuid4().hex}, salt=SIGNING_SALT, compress=True)


def external_ref_for(token: str, user: Any) -> str:
    """The externalRefID the form with `token` creates its order with (StaleForm if bad)."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise StaleForm("This form is more than a day old; reload it and enter again.") from exc
    except signing.BadSignature as exc:
        raise StaleForm("This form cannot be submitted; reload the page and try again.") from exc
    if data.get("u") != user.pk or not str(data.get("n", "")).isalnum():
        raise StaleForm("This form was opened by someone else; reload the page.")
    return f"{settings.TANGO_EXTERNAL_REF_PREFIX}-{data['n']}"


def catalog_item_for(utid: str) -> CatalogItem | None:
    utid = (utid or "").strip()
    if not utid:
        return None
    return CatalogItem.objects.select_related("brand").filter(utid__iexact=utid).first()


def order_kwargs(entered: Mapping[str, Any]) -> dict[str, Any]:
    """create_order's / validate_order's keywords from the form's cleaned values."""
    method = str(entered.get("delivery_method") or "")
    kwargs: dict[str, Any] = {
        "utid": str(entered.get("utid") or "").strip(),
        "amount": str(entered.get("amount") or "").strip(),
        "delivery_method": method,
        **{f"recipient_{k}": str(entered.get(f"recipient_{k}") or "") for k in RECIPIENT_KEYS},
        **{key: str(entered.get(key) or "").strip() for key in DETAIL_KEYS},
    }
    # The address belongs to mailed rewards only: fields left from another method are unused.
    if method in PHYSICAL_DELIVERY_METHODS:
        kwargs["address"] = {key: str(entered.get(f"address_{key}") or "") for key in ADDRESS_KEYS}
    return kwargs


def validate_entry(entered: Mapping[str, Any]) -> Problems:
    """Every problem of the entered order, keyed by the form's field names."""
    account: Account | None = entered.get("account")
    kwargs = order_kwargs(entered)
    item = catalog_item_for(kwargs["utid"])
    problems = validate_order(account=account, catalog_item=item, **kwargs)
    if kwargs["utid"] and item is None and not problems.as_dict().get("utid"):
        problems.add("utid", f"{kwargs['utid']} is not in the synced catalog; pick a reward.")
    return problems


def already_entered(token: str, actor: Actor) -> Entered | None:
    """The order this form's token already created, if any (StaleForm for a bad token):
    a repeat leads there whatever it carries now."""
    existing = Order.objects.filter(external_ref_id=external_ref_for(token, actor.user)).first()
    return None if existing is None else Entered(order=existing, outcome=None, repeated=True)


def enter_order(entered: Mapping[str, Any], *, token: str, actor: Actor) -> Entered:
    """Create and submit the order once per form token (raises ValidationFailed / StaleForm)."""
    ref = external_ref_for(token, actor.user)
    repeat = already_entered(token, actor)
    if repeat is not None:
        return repeat
    validate_entry(entered).raise_if_any()
    try:
        with transaction.atomic():
            order = create_order(
                account=entered["account"],
                actor=actor,
                submit=False,
                external_ref_id=ref,
                **order_kwargs(entered),
            )
            outcome = submit_orders([order], actor=actor)
    except IntegrityError:
        # A concurrent submit of the same form won the unique externalRefID.
        existing = Order.objects.filter(external_ref_id=ref).first()
        if existing is None:
            raise
        return Entered(order=existing, outcome=None, repeated=True)
    return Entered(order=order, outcome=outcome.for_order(order.pk))
