"""Delivery signatures: HMAC-SHA256 over `<timestamp>.<body>`, as payment platforms sign their webhooks.

The header reads `Learnloop-Signature: t=<unix seconds>,v1=<hex>` with one `v1` per secret in force (two during a
rotation's overlap). A receiver recomputes the HMAC of `f"{t}.{raw body}"` with its secret, compares it in constant
time with each `v1`, and refuses a timestamp older than its tolerance (replays). docs/alerts.md has a receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "Learnloop-Signature"
SCHEME = "v1"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def header(secrets_in_force: list[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"{SCHEME}={signature(s, timestamp, body)}" for s in secrets_in_force)])


def verify(secret: str, value: str, body: bytes, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: a `v1` of the header matches and its timestamp is within `tolerance` of now."""
    parts = [part.split("=", 1) for part in value.split(",") if "=" in part]
    stamps = [v for k, v in parts if k == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(now - int(stamps[0])) > tolerance:
        return False
    expected = signature(secret, int(stamps[0]), body)
    return any(hmac.compare_digest(expected, v) for k, v in parts if k == SCHEME)
