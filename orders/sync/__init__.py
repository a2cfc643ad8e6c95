"""The mirror of Tango: reads Tango, writes what changed (below the actions; never imports them).

* passes.py       the beat-scheduled passes (open orders, recent orders and line items, stuck
                  orders) and the one-order read behind "Refresh from Tango"
* orders.py       GET /orders windows and one-order reads; adopting our own orders Tango has
* line_items.py   GET /lineItems (line-item, email, delivery and reward statuses)
* async_orders.py the async (bulk) order summary, mirrored into the order and its lines
* imports.py      orders placed outside Rewards Ops, created locally
* reference.py    customers, accounts (balances) and the catalog
* status.py       where Tango's order and line-item statuses are applied (never backwards)
* changes.py      SyncReport, Changes and bulk_write: write only what changed, only if nobody
                  changed it meanwhile
* guarded_update.py  bulk_write on PostgreSQL: one statement per batch locks the rows, keeps
                  each field only if it still holds the value read, writes, and says what it kept

Placement state moves only through orders.state (adoption); Tango is called with no
transaction open.
"""
