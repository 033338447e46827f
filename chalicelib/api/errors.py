"""The one place where errors become HTTP answers: `{"error": {"code", "message", "details"}}`, and on the
OpenAI-compatible paths (`/openai/`) OpenAI's shape, `{"error": {"message", "type", "code", "param"}}`."""

from __future__ import annotations

from typing import Any

from chalice import Response
from pydantic import ValidationError

from ..core import errors, storage
from ..core.logging import get_logger

STATUS: dict[type[errors.LearnloopError], int] = {
    errors.BadRequest: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.ValidationFailed: 422,
    errors.RateLimited: 429,
    errors.UpstreamFailed: 502,
    errors.DeadlineExceeded: 504,
    errors.StorageBusy: 503,
    errors.BlobUnavailable: 503,
}

# Chalice answers some requests itself (wrong method, wrong content type, unparsable JSON).
_CHALICE_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    500: "internal_error",
}


def body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def to_response(exc: BaseException, request_id: str) -> Response:
    # A pydantic error here is not the client's: requests are validated (and answered 422) before any handler runs.
    if storage.is_throttled(exc):
        exc = errors.StorageBusy()
    if isinstance(exc, errors.LearnloopError):
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
        headers: dict[str, str | list[str]] = {}
        if isinstance(exc, errors.RateLimited | errors.StorageBusy):
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, errors.Unauthorized):
            headers["WWW-Authenticate"] = 'Bearer realm="learnloop"'
        return Response(body=body(exc.code, exc.message, exc.details), status_code=status, headers=headers)
    get_logger().exception("unhandled error", extra={"request_id": request_id})
    return Response(
        body=body("internal_error", f"internal error; quote request id {request_id}"),
        status_code=500,
    )


def validation_failed(exc: ValidationError, where: str) -> errors.ValidationFailed:
    details = []
    for error in exc.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in (where, *error["loc"]))
        details.append({"field": path, "message": error["msg"], "type": error["type"]})
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
    return errors.ValidationFailed(f"invalid request: {summary}", details=details)


def normalise(response: Response, path: str | None = None) -> Response:
    """Rewrite Chalice's own error answers ({"Code", "Message"}) into the API's error format, and every error on an
    OpenAI-compatible path into OpenAI's."""
    if path is not None and path.startswith(OPENAI_PREFIX):
        return openai_shaped(_chalice_error(response))
    return _chalice_error(response)


OPENAI_PREFIX = "/openai/"
# OpenAI's error types by status; the SDK picks its exception by status and retries 408, 409, 429 and 5xx.
_OPENAI_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}


def openai_shaped(response: Response) -> Response:
    """The API's error as OpenAI's: `message`, `type`, `code` (ours), `param` (the first field named); `details` kept."""
    error = response.body.get("error") if isinstance(response.body, dict) else None
    if response.status_code < 400 or not isinstance(error, dict) or "type" in error:
        return response
    status = response.status_code
    kind = _OPENAI_TYPES.get(status) or ("server_error" if status >= 500 else "invalid_request_error")
    details = error.get("details") or []
    param = next((d["field"] for d in details if isinstance(d, dict) and isinstance(d.get("field"), str)), None)
    shaped = {"message": error.get("message", ""), "type": kind, "code": error.get("code"), "param": param}
    response.body = {"error": {**shaped, "details": details}}
    return response


def _chalice_error(response: Response) -> Response:
    if response.status_code < 400 or not isinstance(response.body, dict) or "Code" not in response.body:
        return response
    code = _CHALICE_CODES.get(response.status_code, "error")
    message = str(response.body.get("Message", ""))
    if response.status_code == 400 and "JSON" in message:
        message = "the body is not valid JSON"
    if response.status_code == 405:
        allowed = response.headers.get("Allow", "")
        message = f"{message.removeprefix('Unsupported method: ')} is not allowed here; allowed: {allowed}"
    response.body = body(code, message)
    return response
