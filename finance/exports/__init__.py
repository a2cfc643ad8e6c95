"""Exports: documented columns (columns.py), what each kind exports (sources.py) and the CSV
and XLSX writers (writers.py). Starting one and the background job are finance.actions."""
