"""What the erasure route gives."""

from __future__ import annotations

from pydantic import Field

from ..core.schemas import View


class Deleted(View):
    sessions: int = 0
    feedback: int = 0
    contexts: int = 0
    preferences: int = 0
    customers: int = 0
    training_examples: int = 0
    assignments: int = 0


class ErasureReport(View):
    id: str
    user_id: str
    deleted: Deleted
    affected_datasets: list[str] = Field(default_factory=list)
    affected_models: list[str] = Field(default_factory=list)
    started_at: str
    finished_at: str
    runs: int
