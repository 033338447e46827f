"""What the events route gives, and the event types a webhook endpoint subscribes to."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, JsonValue

from ..core.schemas import ListQuery, View

# Every event type, as a webhook endpoint subscribes to it (docs/alerts.md#event-types gives each payload).
EventType = Literal[
    "target.missed",
    "target.recovered",
    "anomaly.detected",
    "drift.detected",
    "data_quality.failed",
    "governance.violation_opened",
    "experiment.significant",
    "experiment.srm_detected",
    "budget.threshold_80",
    "budget.threshold_100",
    "training_job.succeeded",
    "training_job.failed",
    "registry.action_taken",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)


class EventQuery(ListQuery):
    type: EventType | None = None


class Event(View):
    """What a webhook delivers, and what `GET /v1/events` lists: `id` is the same on every retry (receivers dedupe on it)."""

    id: str
    event_id: str
    type: EventType
    tenant_id: str
    created_at: str
    subject: str = Field(description="What the event is about: a target, a model version, an experiment, a job...")
    data: dict[str, JsonValue] = Field(default_factory=dict)
    api_version: str = "v1"
