"""Approvals' pages: the queue (with the funds panel), deciding from an order's page,
editing a waiting order, and the policy."""
