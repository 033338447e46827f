"""Shared infrastructure: settings, errors, clock, ids, the table and its keys, idempotency."""
