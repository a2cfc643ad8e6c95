"""Reconciliation's writers: runs (run.py) and resolving what they found (resolve.py)."""
