"""What each capability contributes to the extension points of the others (the points: chalicelib/core/extensions.py).

This module sits above every capability: it is the one place that knows both the point and its contributors, so
no capability imports another to be told about it. Each point's contributions are listed in the order they run and
imported when the point is first used (a Lambda that serves a read never loads the counters of session writes).
Installed when `chalicelib` is imported.
"""

from __future__ import annotations

from functools import cache

from .core import extensions


@cache
def session_counters() -> tuple[extensions.SessionCounter, ...]:
    """Counts on session events: every counter they move commits with the session, feedback or erasure."""
    # deferred: cold start (only session writes need the counters, and training's and routing's counters are heavy)
    from .analytics import counting as analytics
    from .domain_catalog import service as domain_catalog
    from .experiments import counting as experiments
    from .model_stats import counting as model_stats
    from .routing import learning as request_routing
    from .training import examples as training

    return (
        model_stats.session_counts,  # each model's all-time, day and hour rows, the user's preference
        experiments.session_counts,  # the variant's counters
        domain_catalog.session_counts,  # the tenant's catalog items' usage
        analytics.session_counts,  # touched days, the variant's days, latency histograms
        training.session_counts,  # training examples from rated sessions
        request_routing.session_counts,  # request-level routing's statistics
    )


CONTRIBUTIONS = extensions.Contributions(session_counters=session_counters)
extensions.install(CONTRIBUTIONS)
