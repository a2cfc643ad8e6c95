"""Finance pages: reports and charts, exports and their jobs, tax totals, period closes."""
