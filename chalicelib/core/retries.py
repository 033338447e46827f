"""How often and how patiently a write is tried again: every retry number of the storage layer, in one place.

DynamoDB cancels a transaction that meets another one on an item (`TransactionConflict`) or that
is throttled; nothing of it is written then, so the same transaction is simply sent again after a
pause. The pauses are "full jitter" (a random time up to a cap that doubles per attempt), so that
requests that collided once do not collide again in step. Past the attempts, the request answers
503 with `Retry-After` (`StorageBusy`) and has written nothing more.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from .settings import get_settings


@dataclass(frozen=True)
class Backoff:
    attempts: int
    base_seconds: float
    cap_seconds: float

    def delay(self, attempt: int) -> float:
        """The pause after failed attempt `attempt` (0-based): up to base * 2^attempt, at most the cap."""
        return random.uniform(0, min(self.cap_seconds, self.base_seconds * 2 ** min(attempt, 16)))

    def pause(self, attempt: int) -> None:
        time.sleep(self.delay(attempt))


# storage.commit: a transaction cancelled by a conflict or throttling, sent again (about 0.6 s at worst in all).
TRANSACTION = Backoff(attempts=8, base_seconds=0.01, cap_seconds=0.25)
# storage.retrying: an optimistic read-modify-write whose condition failed, read and tried again.
OPTIMISTIC_BASE_SECONDS, OPTIMISTIC_CAP_SECONDS = 0.004, 0.2
# A single-item write that must land once a provider was paid (the idempotency record's answer and checkpoint,
# the budget's settlement), beyond the SDK's own retries of throttling.
MUST_LAND = Backoff(attempts=5, base_seconds=0.02, cap_seconds=0.5)
# The error codes of a throttled request (of the whole call, or a transaction's cancellation reason).
THROTTLED = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "ThrottlingError"}
)
# What a 503 StorageBusy tells the client to wait.
RETRY_AFTER_SECONDS = 1


def optimistic() -> Backoff:
    """storage.retrying's attempts (`LEARNLOOP_WRITE_ATTEMPTS`) and pauses."""
    return Backoff(get_settings().write_attempts, OPTIMISTIC_BASE_SECONDS, OPTIMISTIC_CAP_SECONDS)
