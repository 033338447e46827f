"""What the webhook routes take and give."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..core.schemas import ListQuery, RequestBody, View
from ..events.schemas import EVENT_TYPES

MAX_URL = 2048


def _event_types(value: list[str]) -> list[str]:
    unknown = [t for t in value if t != "*" and t not in EVENT_TYPES]
    if unknown:
        raise ValueError(f"unknown event types {unknown}; known: * or {', '.join(EVENT_TYPES)}")
    if not value:
        raise ValueError("give at least one event type, or * for every type")
    return sorted(set(value))


class EndpointCreate(RequestBody):
    url: str = Field(min_length=8, max_length=MAX_URL, description="http(s) URL; private and loopback addresses are refused.")
    event_types: list[str] = Field(default_factory=lambda: ["*"], max_length=len(EVENT_TYPES) + 1)
    description: str | None = Field(default=None, max_length=2000)
    enabled: bool = True

    _types = field_validator("event_types")(_event_types)


class EndpointPatch(RequestBody):
    url: str | None = Field(default=None, min_length=8, max_length=MAX_URL)
    event_types: list[str] | None = Field(default=None, max_length=len(EVENT_TYPES) + 1)
    description: str | None = Field(default=None, max_length=2000)
    enabled: bool | None = Field(default=None, description="true re-enables an endpoint that was disabled for failing.")

    @field_validator("event_types")
    @classmethod
    def _types(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _event_types(value)

    @model_validator(mode="after")
    def _something(self) -> EndpointPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one of url, event_types, description, enabled")
        return self


class SecretRotation(RequestBody):
    overlap_hours: float = Field(
        default=24, ge=0, le=168, description="How long the previous secret keeps signing deliveries beside the new one."
    )


class Endpoint(View):
    id: str
    endpoint_id: str
    url: str
    event_types: list[str]
    description: str | None = None
    enabled: bool
    status: Literal["enabled", "disabled"]
    disabled_reason: str | None = None
    disabled_at: str | None = None
    secret: str | None = Field(default=None, description="Only in the answers that make it (creation, rotation).")
    secret_hint: str = Field(description="The secret's last 4 characters, to tell secrets apart.")
    previous_secret_expires_at: str | None = None
    consecutive_failures: int
    failing_since: str | None = None
    last_success_at: str | None = None
    last_failure_at: str | None = None
    created_at: str
    updated_at: str


class DeliveryAttempt(View):
    at: str
    status_code: int | None = None
    error: str | None = None
    duration_ms: float


class Delivery(View):
    id: str
    delivery_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    log: list[DeliveryAttempt] = Field(default_factory=list)
    next_attempt_at: str | None = None
    give_up_at: str
    last_status_code: int | None = None
    last_error: str | None = None
    redelivery_of: str | None = None
    created_at: str
    updated_at: str
    finished_at: str | None = None


class DeliveryQuery(ListQuery):
    status: Literal["pending", "succeeded", "failed"] | None = None
