"""The training capability's scheduled tasks (declared in chalicelib/contributions.py)."""

from __future__ import annotations

from typing import Any


def poll_training_jobs(tenant_id: str) -> dict[str, Any]:
    """Every 5 minutes: advance each pending or running fine-tuning job once (a `local` job trains here)."""
    from .lifecycle import poll_training_jobs as poll

    return poll(tenant_id)


def model_retraining(tenant_id: str) -> dict[str, Any]:
    """Every 30 days, when enabled: retrain on the last 30 days (examples rated 4 stars or better)."""
    from .retrain import monthly_retraining

    return monthly_retraining(tenant_id)
