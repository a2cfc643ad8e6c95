"""Helpers of bench/generate.py: a synthetic Rewards Ops database at scale, loaded with COPY.

Modules: ``text`` (COPY text format), ``copyplan`` (COPY column lists derived from the models),
``vocab`` (names, brands, campaigns), ``reference`` (customers, accounts, brands, catalog and
staff users through the ORM), ``schedule`` (dates, order shapes, forced statuses),
``chunk`` / ``lines`` / ``events`` (rows of orders, line items and timeline rows, generated
in worker processes without Django), ``loader`` (indexes off, COPY, indexes back on, ANALYZE)
and ``report`` (the printed figures).
"""
