"""Train and validation by user: a user's examples all sit on one side, so validation measures unseen users."""

from __future__ import annotations

import hashlib

from ..core import pseudonyms


def user_digest(tenant_id: str, user_id: str) -> str:
    """How a dataset's manifest names a user: a keyed hash (core.pseudonyms), never the id itself, so that nobody
    without the service's secret can test a guessed id (an e-mail address) against a manifest."""
    return pseudonyms.user_hash(tenant_id, user_id)[:32]


def user_digests(tenant_id: str, user_id: str) -> set[str]:
    """Every name a manifest may give the user: the keyed hash, and the plain SHA-256 of manifests written before it."""
    return {user_digest(tenant_id, user_id), hashlib.sha256(f"{tenant_id}:{user_id}".encode()).hexdigest()[:32]}


def validation_users(counts: dict[str, int], fraction: float, salt: str) -> set[str]:
    """The users whose examples go to validation.

    Users are taken in the order of a hash of (salt, user id), so the choice is deterministic and owes
    nothing to names or sizes; each joins validation when that brings validation's share of the
    examples closer to `fraction`. At least one user always stays in train; with one user, or a
    fraction of 0, validation is empty.
    """
    total = sum(counts.values())
    if fraction <= 0 or total <= 0 or len(counts) < 2:
        return set()
    target = fraction * total
    chosen: set[str] = set()
    size = 0
    for user in sorted(counts, key=lambda u: hashlib.sha256(f"{salt}:{u}".encode()).hexdigest()):
        if len(chosen) == len(counts) - 1:
            break
        if abs(size + counts[user] - target) < abs(size - target):
            chosen.add(user)
            size += counts[user]
    return chosen
