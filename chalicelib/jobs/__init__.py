"""Scheduled functions: one schedule per registered task, and the per-tenant fan-out consumer."""
