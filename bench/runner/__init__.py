"""bench/run.py's parts: timing and SQL capture (timing.py), the cases (cases.py), the sync
upsert benchmark (sync.py) and the table (table.py)."""
