"""Errors the domain raises; `chalicelib.api.errors` maps each to its HTTP answer."""

from __future__ import annotations

from typing import Any


class LearnloopError(Exception):
    """Base of every error a caller can be told about."""

    code = "error"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        if code is not None:
            self.code = code


class BadRequest(LearnloopError):
    code = "bad_request"


class ValidationFailed(LearnloopError):
    code = "validation_failed"

    @classmethod
    def field(cls, field: str, message: str, type_: str = "invalid") -> ValidationFailed:
        return cls(f"{field}: {message}", details=[{"field": field, "message": message, "type": type_}])


class Unauthorized(LearnloopError):
    code = "unauthorized"


class Forbidden(LearnloopError):
    code = "forbidden"


class NotFound(LearnloopError):
    code = "not_found"


class Conflict(LearnloopError):
    code = "conflict"


class PayloadTooLarge(LearnloopError):
    code = "payload_too_large"


class RateLimited(LearnloopError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = max(1, int(retry_after))


class StorageBusy(LearnloopError):
    """Storage throttled or contended past our retries; the client should retry."""

    code = "storage_busy"

    def __init__(self, message: str = "storage is busy, retry shortly", *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BlobUnavailable(LearnloopError):
    """A stored file (dataset, export, model index) could not be read or written."""

    code = "storage_unavailable"


def described(exc: BaseException, fallback: str) -> str:
    """What a record or an answer may say of `exc`: our own message for our errors, else `fallback`.

    Never the text of a foreign exception: it may carry infrastructure names (a bucket, a table), a provider's
    echo of a credential or personal data. The log keeps the original.
    """
    return exc.message if isinstance(exc, LearnloopError) else fallback


class UpstreamFailed(LearnloopError):
    """Every model of a fallback chain failed."""

    code = "upstream_failed"


class DeadlineExceeded(LearnloopError):
    """The work ran out of its time budget (API Gateway's 29 s for a request, the Lambda's for a task)."""

    code = "deadline_exceeded"
