"""What the erasure route gives."""

from __future__ import annotations

from typing import Literal

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
    prediction_feedback: int = Field(
        default=0, description="Feedback the user gave on registry predictions (its counts taken back from the series)."
    )
    exports: int = Field(default=0, description="Stored exports (in S3) that held the user's data, deleted.")
    audit_entries: int = Field(
        default=0, description="Audit entries that named one of the user's records, now naming it by a keyed hash."
    )
    designs: int = Field(default=0, description="The designs the user made.")
    design_ratings: int = Field(default=0, description="The user's ratings of designs (each design's mean loses them).")
    images: int = Field(default=0, description="Images of the user's generations, deleted from S3 with their thumbnails.")
    replays: int = Field(
        default=0, description="Stored answers of Idempotency-Keys whose requests named the user (replays end with them)."
    )


class ModelAction(View):
    model_id: str
    action: Literal["rebuilt", "retired"]


class ErasureReport(View):
    id: str
    user_id: str = Field(description="The user erased, as asked; the erasure's record keeps only a keyed hash of it.")
    deleted: Deleted
    affected_datasets: list[str] = Field(default_factory=list)
    affected_models: list[str] = Field(default_factory=list)
    models: list[ModelAction] = Field(
        default_factory=list,
        description="What became of each local fine-tuned model trained on the user's lines: rebuilt without them, "
        "or retired. Models at a provider stay in affected_models for their owners to retrain.",
    )
    started_at: str
    finished_at: str
    runs: int
