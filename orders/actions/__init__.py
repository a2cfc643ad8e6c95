"""The only writers of orders' data, one module per kind of action.

Every action is a verb-first, keyword-only function taking `actor: core.actor.Actor`. A staff
action checks its rule (the `*_blocker` next to it also disables the button with the reason),
then writes its change, its one timeline row (orders.events) and its one audit row with the
actor's IP (audit.records.record) in one transaction; Tango is never called inside one. Actions
never import tasks: they enqueue by task name after commit (core.jobs.enqueue).

* validation.py  validate_order: every problem of an entered order, keyed by field
* entry.py       create_order, create_bulk_order (the externalRefID is made here)
* payloads.py    what we send Tango (recipient, sender, POST /orders and /asyncOrders fields)
* placement.py   place_order and the claim / write-backs both placement paths share
* bulk_placement.py  place_bulk_order (POST /asyncOrders)
* sweeper.py     sweep_stuck_placements (lost tasks)
* holds.py       submit_order, hold_order, release_order; the console's hold and release
* refresh.py     refresh_order ("Refresh from Tango", over orders.sync.passes)
* resend.py      request_resend, request_order_resend, perform_resend and its outcomes
* rewards.py     reveal_credential, perform_line_item_action (cancel / freeze / unfreeze)
* notes.py       add_note, unmask_recipient
* saved_views.py save_view, delete_view
* bulk_jobs.py   start_bulk_job, perform_bulk_job (staff jobs over many orders)
"""
