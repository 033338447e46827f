"""Events: what happened that a tenant may want to be told (a target missed, drift, a violation, a job's outcome...),
written exactly once in the transaction of the change that raises it, listed as the feed (`GET /v1/events`), and handed
to the event listeners of chalicelib/contributions.py (the webhooks' deliveries) in the same transaction. Every
capability that detects a condition raises its event here (`hooks.py`); this package imports none of them.
"""
