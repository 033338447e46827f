"""Scheduled tasks: a registry of domain functions run on rates, per tenant, with their state."""
