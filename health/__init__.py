"""Sync health: is our mirror of Tango current? Jobs, webhooks, revision gaps, subscription."""
