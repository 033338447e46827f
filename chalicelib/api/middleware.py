"""Around every request: its deadline (API Gateway's budget), one structured access log line, and Chalice's own errors
in the API's format."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalice import Response

from ..core import deadline
from ..core.ids import new_id
from ..core.logging import get_logger
from . import errors
from .http import bind_request, unbind_request


def http_middleware(request: Any, get_response: Callable[[Any], Response]) -> Response:
    began = time.perf_counter()
    bound = bind_request(request)
    try:
        with deadline.for_request():
            response = errors.normalise(get_response(request), getattr(request, "path", None))
    finally:
        unbind_request(bound)
    response.headers.setdefault("X-Request-Id", new_id("req"))
    get_logger().info(
        "request",
        extra={
            "method": getattr(request, "method", None),
            "path": getattr(request, "path", None),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - began) * 1000, 2),
            "request_id": response.headers.get("X-Request-Id"),
        },
    )
    return response
