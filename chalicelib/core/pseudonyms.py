"""How Learnloop names an end user where the id itself must not be kept: a keyed hash.

HMAC-SHA256 of `<tenant id>:<user id>` with the server-side `erasure_secret` (settings.py), as 64 hex digits.
Without the secret nobody can test a guessed id (an e-mail address, say) against it; with it, the service
recognises the same user again (a retried erasure finds its record; an erasure finds the exports that held them).
"""

from __future__ import annotations

import hashlib
import hmac

from .settings import get_settings


def user_hash(tenant_id: str, user_id: str) -> str:
    message = f"{tenant_id}:{user_id}".encode()
    return hmac.new(get_settings().erasure_key(), message, hashlib.sha256).hexdigest()
