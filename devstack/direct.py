"""The API's DynamoDB calls answered in process, without HTTP (the embedded endpoint still serves every other client).

moto's server (werkzeug) closes the connection after every answer, so each DynamoDB call of the app
paid a TCP connect, a new server thread, and moto's routing (which lists moto's package directory per
request, under a lock of its own). The app and moto share a process, so a botocore `before-send` hook
hands a request bound for the embedded endpoint straight to moto's DynamoDB handler, as moto's own
mock does: the same handler, the same backend, the same lock (devstack/moto_fixes.py), the same answer
bytes; the botocore client around it (serialisation, retries, the fault layer's `before-call` hook) is
unchanged. S3, and tools talking to the endpoint, still go over HTTP.
"""

from __future__ import annotations

from typing import Any

_TARGET = "DynamoDB_"


class DirectDynamo:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.served = 0

    def __call__(self, request: Any, **_: Any) -> Any:
        if not request.url.startswith(self.endpoint):
            return None
        target = request.headers.get("X-Amz-Target") or b""
        if isinstance(target, bytes):
            target = target.decode()
        if not target.startswith(_TARGET):
            return None
        from botocore.awsrequest import AWSResponse
        from moto.core.botocore_stubber import MockRawResponse
        from moto.core.exceptions import HTTPException
        from moto.core.request import normalize_request
        from moto.dynamodb.responses import DynamoHandler

        normalized = normalize_request(request)
        try:
            status, headers, body = DynamoHandler.dispatch(normalized, normalized.raw_url, normalized.headers)
        except HTTPException as exc:
            status, headers, body = exc.code, exc.get_headers(), exc.get_body()
        self.served += 1
        return AWSResponse(request.url, status, headers, MockRawResponse(body))


def install(endpoint: str) -> DirectDynamo:
    """Answer DynamoDB requests to `endpoint` in process, for every botocore client created from now on."""
    from botocore.handlers import BUILTIN_HANDLERS

    hook = DirectDynamo(endpoint)
    BUILTIN_HANDLERS.append(("before-send", hook))
    return hook
