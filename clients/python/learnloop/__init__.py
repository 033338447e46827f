"""Learnloop's Python client: `Learnloop` (the REST API), `learnloop.openai.OpenAI` (the drop-in), `track`."""

from .client import Learnloop
from .errors import (
    AuthenticationError,
    BadRequest,
    Conflict,
    DeadlineExceeded,
    LearnloopError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    TransportError,
    UpstreamFailed,
    ValidationFailed,
)
from .tracking import configure, last_session_id, track

__all__ = [
    "AuthenticationError",
    "BadRequest",
    "Conflict",
    "DeadlineExceeded",
    "Learnloop",
    "LearnloopError",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "ServerError",
    "ServiceUnavailable",
    "TransportError",
    "UpstreamFailed",
    "ValidationFailed",
    "configure",
    "last_session_id",
    "track",
]
__version__ = "0.1.0"
