"""What has been observed of a model on a task, as routing and the catalog read it (a pure value)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Evidence:
    """What has been observed of a model on a task (or of one user's experience of it)."""

    requests: float = 0
    attempts: float = 0
    errors: float = 0
    processing_count: float = 0
    processing_ms_sum: float = 0
    cost_usd: float = 0
    feedback: float = 0
    rated: float = 0
    successes: float = 0
    quality_count: float = 0
    quality_sum: float = 0
    likes: float = 0
    dislikes: float = 0
    regenerates: float = 0

    @classmethod
    def of(cls, values: dict[str, float]) -> Evidence:
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})

    @property
    def mean_quality(self) -> float | None:
        return self.quality_sum / self.quality_count if self.quality_count else None

    @property
    def mean_latency_ms(self) -> float | None:
        return self.processing_ms_sum / self.processing_count if self.processing_count else None
