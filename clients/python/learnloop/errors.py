"""Typed exceptions carrying the API's error envelope (`{"error": {"code", "message", "details"}}`)."""

from __future__ import annotations

from typing import Any


class LearnloopError(Exception):
    """An answer of the API that is an error: its status, its `code`, `message` and `details`, the whole envelope."""

    def __init__(self, status: int, envelope: dict[str, Any], request_id: str | None = None) -> None:
        found = envelope.get("error")
        error: dict[str, Any] = found if isinstance(found, dict) else {}
        self.status = status
        self.envelope = envelope
        self.code: str = str(error.get("code") or "error")
        self.message: str = str(error.get("message") or f"HTTP {status}")
        self.details: list[dict[str, Any]] = list(error.get("details") or [])
        self.request_id = request_id
        super().__init__(f"{status} {self.code}: {self.message}")


class BadRequest(LearnloopError):
    """400: the body is not JSON."""


class AuthenticationError(LearnloopError):
    """401: the key is missing, unknown or revoked."""


class PermissionDenied(LearnloopError):
    """403: the key's role is too low."""


class NotFound(LearnloopError):
    """404 (another tenant's resources are not found either)."""


class Conflict(LearnloopError):
    """409: a state change not allowed, a version conflict, an Idempotency-Key reused with another body."""


class ValidationFailed(LearnloopError):
    """422: `details` name each field that failed."""


class RateLimited(LearnloopError):
    """429: the rate limit or the budget (retried when it carries Retry-After and retries are left)."""


class UpstreamFailed(LearnloopError):
    """502: every model of the fallback chain failed (the session is recorded)."""


class ServiceUnavailable(LearnloopError):
    """503: storage busy past retries (retried, honouring Retry-After)."""


class DeadlineExceeded(LearnloopError):
    """504: no model answered within the request's budget."""


class ServerError(LearnloopError):
    """500 or another 5xx."""


class TransportError(Exception):
    """The API could not be reached or did not answer in time, after every retry."""


BY_STATUS: dict[int, type[LearnloopError]] = {
    400: BadRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    422: ValidationFailed,
    429: RateLimited,
    502: UpstreamFailed,
    503: ServiceUnavailable,
    504: DeadlineExceeded,
}


def error_for(status: int, envelope: Any, request_id: str | None = None) -> LearnloopError:
    kind = BY_STATUS.get(status) or (ServerError if status >= 500 else LearnloopError)
    return kind(status, envelope if isinstance(envelope, dict) else {"error": {"message": str(envelope)}}, request_id)
