"""Finance: reports, exports, recipient tax totals and month-end closes, built on orders.

Depends on `orders` (models, statuses, QuerySet methods, the orders-list FilterSet) and
`core`; `orders` never imports this package (an import-linter contract in pyproject.toml).
"""
