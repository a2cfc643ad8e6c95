"""``POST /__sim/bulk/orders``: create many orders at once, at chosen simulated times.

For volume and reconciliation tests (10,000+ orders over several GET /orders windows). Rows are
generated in Python and written with ``executemany`` inside the admin request's single
transaction: no TPS limit, no scenario cents, no webhooks, balances untouched unless
``debit`` is true. Orders come out already settled the way the simulator would have left them
(credentials, email / delivery / reward statuses by age, refunds of failed and cancelled ones);
pending ones stay pending (no timers) until an admin transition, like stuck orders at Tango.

Body (all optional except ``count``)::

    {"count": 10000,                      # 1..200000
     "start": "2026-01-01", "end": "2026-03-31T23:59:59Z",   # default: the last 90 days
     "spread": "random" | "even",         # created times in [start, end]
     "seed": 7,                           # same body + seed -> same orders
     "accounts": ["acme-usd-01", ...],    # default: every ACTIVE account
     "mix": {"COMPLETE": 86, "FAILED": 4, "PARTIAL": 2, ...},  # order status weights
     "asyncShare": 0.05,                  # share of multi-line AA orders (PARTIAL is always AA)
     "externalRefPrefix": "bulk3-",       # externalRefID = prefix + index (AA lines: -n)
     "debit": false}
"""

from __future__ import annotations

import random
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from .bulk_options import parse_options
from .orders import format_order_ref
from .records import PENDING_ORDER_STATUSES
from .scenarios import issue_credentials
from .seed import EXCHANGE_RATES, ITEMS, Item
from .store import DAY, HOUR, MINUTE, US, dumps, iso, money
from .validation import CHANNEL, parse_object

if TYPE_CHECKING:
    from .app import Simulator
    from .routes import Request

METHODS = (("EMAIL", 70), ("EMBEDDED", 10), ("NONE", 10), ("PHONE", 5), ("ADDRESS", 5))
REWARDS = (("ACTIVE", 80), ("REDEEMED", 15), ("CANCELLED", 3), ("FROZEN", 2))
AMOUNTS = (5, 10, 15, 20, 25, 25, 50, 50, 75, 100, 100, 150, 200, 250)
FIRST = "Ava Ben Chloe Dev Emma Finn Grace Hugo Iris Jonas Kira Liam Maya Noah Olga Pablo Quinn"
LAST = "Adams Berg Chen Diaz Evans Fischer Garcia Hill Ito Jansen Kowalski Lopez Meyer Nguyen"
CAMPAIGNS = ("Q1 recognition", "Spot awards", "Referral bonus", "Survey thanks", None)
ADDRESS = {
    "streetLine1": "1 Main St",
    "city": "Springfield",
    "stateOrProvince": "IL",
    "postalCode": "62701",
    "country": "US",
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ORDER_COLUMNS = _words(
    "id ref source customer account external_ref status created_us completed_us announced data"
)
LINE_COLUMNS = _words(
    "id ref order_id line_number external_line_ref customer account utid reward_name"
    " delivery_method recipient_email status hold email_status delivery_status reward_status"
    " scenario amount_cents reward_currency charged_cents fee_cents total_cents charge_currency"
    " exchange_rate refunded_cents created_us completed_us frozen_until_us last_resend_us data"
)


def _items_for(method: str) -> list[Item]:
    usable = [item for item in ITEMS if item.status == "active"]
    if method == "ADDRESS":
        return [item for item in usable if item.physical]
    channel = CHANNEL.get(method)
    return [
        item
        for item in usable
        if not item.physical and (channel is None or channel in item.attributes)
    ]


ITEMS_BY_METHOD = {method: _items_for(method) for method, _ in METHODS}


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _amount_cents(rng: random.Random, item: Item) -> int:
    if item.face_value is not None:
        return round(item.face_value * 100)
    fits = [a for a in AMOUNTS if (item.min_value or 0) <= a <= (item.max_value or 0)]
    return (rng.choice(fits) if fits else int(item.min_value or 1)) * 100


class Generator:
    def __init__(self, sim: Simulator, opts: dict[str, Any]) -> None:
        self.sim, self.opts, self.rng = sim, opts, opts["rng"]
        self.now = opts["now"]
        self.first, self.last = FIRST.split(), LAST.split()
        self.orders: list[dict[str, Any]] = []
        self.lines: list[dict[str, Any]] = []
        self.timers: list[tuple[Any, ...]] = []
        self.by_status: Counter[str] = Counter()
        self.spent: Counter[str] = Counter()
        store = sim.store
        self.order_id = int(store.scalar("SELECT COALESCE(MAX(id), 0) FROM orders")) + 1
        self.line_id = int(store.scalar("SELECT COALESCE(MAX(id), 0) FROM line_items")) + 1
        self.seq = int(store.kv_get("counter:order_seq", "1000") or 1000) + 1

    def created_times(self) -> list[int]:
        count, start, end = self.opts["count"], self.opts["start"], self.opts["end"]
        if self.opts["even"]:
            step = (end - start) / max(1, count - 1)
            return [int(start + i * step) for i in range(count)]
        return sorted(self.rng.randint(start, end) for _ in range(count))

    def run(self) -> None:
        statuses, weights = self.opts["mix"]
        for index, created in enumerate(self.created_times()):
            self.order(index, created, self.rng.choices(statuses, weights)[0])
        self.sim.store.kv_set("counter:order_seq", str(self.seq - 1))

    def order(self, index: int, created: int, status: str) -> None:
        rng, account = self.rng, self.rng.choice(self.opts["accounts"])
        is_async = status == "PARTIAL" or rng.random() < self.opts["share"]
        source = "AA" if is_async else "RA"
        ref = format_order_ref(source, created, self.seq)
        self.seq += 1
        external = f"{self.opts['prefix']}{index}"
        count = rng.randint(2, 5) if is_async else 1
        outcomes = [status] * count
        if status == "PARTIAL":
            outcomes = ["COMPLETE", "FAILED"] + [rng.choice(("COMPLETE", "FAILED"))] * (count - 2)
            rng.shuffle(outcomes)
        settled = status not in PENDING_ORDER_STATUSES
        completed = created + rng.randint(1, 120) * US if settled else None
        sender = {"firstName": "Rewards", "lastName": "Team"}
        sender["email"] = f"rewards@{account['customer']}.example"
        data: dict[str, Any] = {"sender": sender, "campaign": rng.choice(CAMPAIGNS)}
        data.update(notes=None, purchaseOrderNumber=None, emailSubject=None, message=None)
        method = _pick(rng, METHODS)
        if is_async:
            data.update(asyncStatus="SUBMITTED", totalLineItems=count, failedLineItems=[])
            data["duplicateLineItemRefIds"] = {}
        else:
            data["deliveryMethod"] = method
        order_id = self.order_id
        self.order_id += 1
        for number, outcome in enumerate(outcomes, start=1):
            self.line(
                order_id,
                f"{ref}-{number}",
                number,
                f"{external}-{number}" if is_async else None,
                account,
                method,
                outcome,
                (created, completed),
            )
        self.orders.append(
            {
                "id": order_id,
                "ref": ref,
                "source": source,
                "customer": account["customer"],
                "account": account["identifier"],
                "external_ref": external,
                "status": status,
                "created_us": created,
                "completed_us": completed,
                "announced": int(is_async and settled),  # no AsyncOrderStatus webhook later
                "data": dumps(data),
            }
        )
        self.by_status[status] += 1

    def line(
        self,
        order_id: int,
        ref: str,
        number: int,
        external_line_ref: str | None,
        account: dict[str, Any],
        method: str,
        outcome: str,
        times: tuple[int, int | None],
    ) -> None:
        rng = self.rng
        item = rng.choice(ITEMS_BY_METHOD[method])
        cents = _amount_cents(rng, item)
        rate = EXCHANGE_RATES[(item.currency, account["currency"])]
        charged = round(cents * rate)
        fee = item.fee_cents(charged)
        first, last = rng.choice(self.first), rng.choice(self.last)
        recipient: dict[str, Any] = {"firstName": first, "lastName": last}
        if method != "ADDRESS":
            recipient["email"] = f"{first}.{last}{rng.randint(1, 9999)}@example.com".lower()
        if method == "PHONE":
            recipient["mobileNumber"] = f"+1555{rng.randint(1000000, 9999999)}"
        if method == "ADDRESS":
            recipient["address"] = dict(ADDRESS)
        line: dict[str, Any] = {"id": self.line_id, "ref": ref, "utid": item.utid}
        line["data"] = {"recipient": recipient, "etid": None, "emailSubject": None}
        line["data"].update(message=None, notes=None, credentials=None, credentialList=None)
        line["data"].update(resendHistory=[], lineItemActionHistory=[], rewardViewHistory=[])
        line["data"]["lineItemErrors"] = []
        f = self.settle(line, outcome, method, (charged, fee), times)
        row = dict.fromkeys(LINE_COLUMNS)
        row.update(id=self.line_id, ref=ref, order_id=order_id, line_number=number)
        row.update(external_line_ref=external_line_ref, customer=account["customer"])
        row.update(account=account["identifier"], utid=item.utid, reward_name=item.reward_name)
        row.update(delivery_method=method, recipient_email=recipient.get("email"))
        row.update(status=f["status"], hold=f["hold"], email_status=f["email"])
        row.update(delivery_status=f["delivery"], reward_status=f["reward"])
        row.update(scenario=cents % 100, amount_cents=cents, reward_currency=item.currency)
        row.update(charged_cents=charged, fee_cents=fee, total_cents=charged + fee)
        row.update(charge_currency=account["currency"], exchange_rate=rate)
        row.update(refunded_cents=f["refunded"], created_us=times[0], completed_us=times[1])
        row.update(frozen_until_us=f["frozen"], data=dumps(line["data"]))
        self.lines.append(row)
        self.spent[account["identifier"]] += charged + fee - f["refunded"]
        self.line_id += 1

    def settle(
        self,
        line: dict[str, Any],
        outcome: str,
        method: str,
        money_: tuple[int, int],
        times: tuple[int, int | None],
    ) -> dict[str, Any]:
        """Statuses of a line item whose order ended as ``outcome``, as they would be now."""
        charged, fee = money_
        f: dict[str, Any] = {"status": outcome, "hold": None, "email": None, "delivery": None}
        f.update(reward=None, refunded=0, frozen=None)
        data = line["data"]
        if outcome in PENDING_ORDER_STATUSES:
            f.update(status="PENDING", hold=outcome)
            f["email"] = "PENDING" if method == "EMAIL" else None
            f["delivery"] = None if method == "NONE" else "PENDING"
            return f
        if outcome in ("FAILED", "CANCELLED", "DELETED"):
            f["refunded"] = 0 if outcome == "DELETED" else charged + fee
            if outcome == "FAILED":
                f["email"] = "NOT_DELIVERED" if method == "EMAIL" else None
                f["delivery"] = "FAILED"
                data["lineItemErrors"] = [
                    {"error_code": "FULFILLMENT_FAILED", "error_message": "Reward not issued"}
                ]
            return f
        completed = times[1] or times[0]
        age, stamp = self.now - completed, iso(completed)
        issue_credentials(self.sim, line)
        f["status"] = "COMPLETE"
        f["email"] = ("DELIVERED" if age >= 5 * MINUTE else "SENT") if method == "EMAIL" else None
        f["delivery"] = None if method == "NONE" else "DELIVERED"
        if method == "ADDRESS":
            f["delivery"] = "DELIVERED" if age >= 3 * DAY else "DISPATCHED"
            f["delivery"] = "PROCESSING" if age < DAY else f["delivery"]
        reward = "ACTIVE" if method == "ADDRESS" else _pick(self.rng, REWARDS)
        history = [{"date": stamp, "status": "ACTIVE"}]
        if reward == "CANCELLED":
            f.update(status="CANCELLED", refunded=charged)  # value refunded, fee kept
            data["lineItemActionHistory"] = [
                {"action": "CANCEL", "reason": "DUPLICATE", "actionDate": stamp}
                | {"oldReferenceLineItemId": None, "newReferenceLineItemId": None}
            ]
            data["lineItemActionReason"] = "DUPLICATE"
        if reward != "ACTIVE":
            history.append({"date": stamp, "status": reward})
        if reward == "FROZEN" and age >= 48 * HOUR:  # auto-unfrozen long ago
            reward = "ACTIVE"
            history.append({"date": iso(completed + 48 * HOUR), "status": "ACTIVE"})
        elif reward == "FROZEN":
            f["frozen"] = completed + 48 * HOUR
            self.timers.append((f["frozen"], "unfreeze", line["id"], "{}"))
        f["reward"] = reward
        data["rewardViewHistory"] = history
        return f


def bulk_orders(sim: Simulator, req: Request) -> dict[str, Any]:
    started = time.perf_counter()
    opts = parse_options(sim, parse_object(req.body))
    gen = Generator(sim, opts)
    gen.run()
    store = sim.store
    for table, columns, rows in (
        ("orders", ORDER_COLUMNS, gen.orders),
        ("line_items", LINE_COLUMNS, gen.lines),
    ):
        names, marks = ", ".join(columns), ", ".join(f":{c}" for c in columns)
        store.conn.executemany(f"INSERT INTO {table}({names}) VALUES({marks})", rows)
    store.conn.executemany(
        "INSERT INTO timers(due_us, kind, line_item_id, data) VALUES(?,?,?,?)", gen.timers
    )
    if opts["debit"]:
        store.conn.executemany(
            "UPDATE accounts SET balance_cents = balance_cents - ? WHERE identifier = ?",
            [(cents, account) for account, cents in gen.spent.items()],
        )
    sim.stats.incr("bulk_orders_created", len(gen.orders))
    seconds = time.perf_counter() - started
    return {
        "created": len(gen.orders),
        "lineItems": len(gen.lines),
        "batch": opts["batch"],
        "externalRefPrefix": opts["prefix"],
        "from": iso(gen.orders[0]["created_us"]),
        "to": iso(gen.orders[-1]["created_us"]),
        "byStatus": dict(gen.by_status),
        "charged": {account: money(cents) for account, cents in sorted(gen.spent.items())},
        "debited": opts["debit"],
        "seconds": round(seconds, 3),
        "ordersPerSecond": round(len(gen.orders) / seconds) if seconds else None,
    }
