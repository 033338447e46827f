"""Webhooks: endpoints per tenant, signed deliveries of events from a queue with backoff, their log, SSRF refusal."""
