"""Order entry's pages: the new-order form (form.py) and re-order / reissue (followups.py)."""
