"""Tenants, their API keys and roles, their limits."""
