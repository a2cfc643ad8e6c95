"""Approvals' writers: submitting orders through the policy, deciding (maker-checker),
voiding approvals on an edit, expiring and reminding, and saving a new policy version."""
