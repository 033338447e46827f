"""Routes declared once: role, body, query and answer, with auth, limits, parsing and idempotency around them.

`route(bp, "POST", "/v1/sessions", role=Role.APP, body=SessionCreate, status=201)` registers
a Chalice route whose view authenticates the caller, checks the role and the tenant's rate
limit, refuses oversized or malformed bodies, validates body and query with the pydantic
models, honours `Idempotency-Key` on POST, calls the handler with a `Call`, and maps any
error to the API's error format. The same declarations generate `/openapi.json`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

from chalice import Blueprint, Response
from pydantic import BaseModel, ValidationError

from ..companies import scope as company_scope
from ..core import clock, idempotency
from ..core.errors import LearnloopError, PayloadTooLarge, StorageBusy, ValidationFailed
from ..core.ids import new_id
from ..core.settings import get_settings
from ..tenancy.auth import Caller, authenticate
from ..tenancy.ratelimit import admit
from ..tenancy.schemas import Role
from . import bodies, errors

B = TypeVar("B")
Q = TypeVar("Q")


@dataclass(frozen=True)
class RouteSpec:
    method: str
    path: str
    name: str
    role: Role | None
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    status: int
    response: Any
    summary: str
    tag: str
    statuses: tuple[int, ...] = ()
    # Dotted paths of answer fields that hold secrets: never stored for idempotent replays.
    secrets: tuple[str, ...] = ()
    # Media types the success answer may also come in (text/csv beside a JSON link, say), for the OpenAPI document.
    media: tuple[str, ...] = ()


ROUTES: list[RouteSpec] = []

# The request being served by this thread. Chalice keeps only one `current_request` on the app, which threads
# serving at the same time (the local stack's server, the tests) overwrite; the middleware receives the request
# object of its own call and binds it here, and views read it from here.
_request: ContextVar[Any] = ContextVar("learnloop_request", default=None)


def bind_request(request: Any) -> Token[Any]:
    return _request.set(request)


def unbind_request(token: Token[Any]) -> None:
    _request.reset(token)


@dataclass
class Call(Generic[B, Q]):
    """What a handler receives: who calls, the validated body and query, the path parameters."""

    caller: Caller | None
    body: B
    query: Q
    params: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def tenant(self) -> str:
        assert self.caller is not None
        return self.caller.tenant


@dataclass
class Reply:
    """A handler's answer when it picks the status itself (201 created / 200 replaced)."""

    body: Any
    status: int
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call[Any, Any]], Any]

# Each declared operation's handler, by name: a route registered lazily (chalicelib/api/families.py) is served from here.
_HANDLERS: dict[str, tuple[RouteSpec, Handler]] = {}


def route(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    role: Role | None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    status: int = 200,
    response: Any = None,
    summary: str = "",
    tag: str = "",
    statuses: tuple[int, ...] = (),
    secrets: tuple[str, ...] = (),
    media: tuple[str, ...] = (),
) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        spec = RouteSpec(
            method, path, handler.__name__, role, body, query, status, response, summary, tag, statuses, secrets, media
        )
        if any(other.name == spec.name for other in ROUTES):
            raise ValueError(f"two routes are named {spec.name}: handler names are the OpenAPI operation ids")
        ROUTES.append(spec)
        _HANDLERS[spec.name] = (spec, handler)

        def view(**params: str) -> Response:
            request = _request.get() or bp.current_request
            return serve(request, spec, handler, {k: unquote(v) for k, v in params.items()})

        view.__name__ = handler.__name__
        view.__doc__ = handler.__doc__
        bp.route(path, methods=[method])(view)
        return handler

    return decorate


def serve_operation(name: str, params: dict[str, str]) -> Response:
    """The bound request served by the operation declared as `name` (its family's module is imported by now)."""
    spec, handler = _HANDLERS[name]
    return serve(_request.get(), spec, handler, {k: unquote(v) for k, v in params.items()})


def serve(request: Any, spec: RouteSpec, handler: Handler, params: dict[str, str]) -> Response:
    headers = {k.lower(): v for k, v in (request.headers or {}).items()}
    request_id = headers.get("x-request-id") or (request.context or {}).get("requestId") or new_id("req")
    try:
        caller = None
        if spec.role is not None:
            caller = authenticate(headers.get("authorization"), _source_ip(request))
            caller.require(spec.role)
            company_scope.admit(spec.name, caller.company_id)
            admit(caller)
        raw = request.raw_body or b""
        if len(raw) > get_settings().max_body_bytes:
            raise PayloadTooLarge(f"the body is {len(raw)} bytes; the limit is {get_settings().max_body_bytes}")
        body, payload = _parse_body(spec, raw)
        query = _parse_query(spec, request.query_params or {})
        call: Call[Any, Any] = Call(caller, body, query, params, headers)

        def run() -> idempotency.StoredResponse:
            try:
                return _stored(spec, handler(call))
            except LearnloopError as exc:
                if not idempotency.wrote() or isinstance(exc, StorageBusy):
                    raise
                # An error after a committed write (a 502 whose failed session is recorded) is the request's answer:
                # stored under the Idempotency-Key and replayed as it was. A 503 is not: the key's record says the
                # write happened and the answer was lost.
                answer = errors.to_response(exc, request_id)
                return idempotency.StoredResponse(status=answer.status_code, body=answer.body, headers=answer.headers)

        client_key = headers.get("idempotency-key")
        with _request_clock(headers), company_scope.bound(caller.company_id if caller is not None else None):
            if spec.method == "POST" and client_key is not None:
                scope = caller.tenant_id if caller is not None else None
                # The end user the request names (validated by now): their erasure deletes the stored answer.
                owner = payload.get("user_id") if isinstance(payload, dict) else None
                owner = owner if isinstance(owner, str) else params.get("user_id")
                owner = owner if owner and len(owner) <= 128 else None
                stored, replayed = idempotency.execute(scope, client_key, _fingerprint(spec, params, payload), run, owner)
            else:
                stored, replayed = run(), False
        reply_headers = {**stored.headers, "X-Request-Id": request_id}
        if replayed:
            reply_headers["Idempotent-Replayed"] = "true"
        if stored.status == 204:
            return Response(body="", status_code=204, headers=reply_headers)
        return Response(body=stored.body, status_code=stored.status, headers=reply_headers)
    except Exception as exc:  # noqa: BLE001 - every error becomes the API's error format
        response = errors.to_response(exc, request_id)
        response.headers["X-Request-Id"] = request_id
        return response


def _source_ip(request: Any) -> str | None:
    """The client's address as API Gateway saw it (`requestContext.identity.sourceIp`); headers are not trusted."""
    identity = (request.context or {}).get("identity") or {}
    return identity.get("sourceIp") or None


def _request_clock(headers: dict[str, str]) -> AbstractContextManager[None]:
    """The moment the request happens at: now, or (local stack with `allow_clock_header`) `X-Learnloop-Clock`."""
    moment = headers.get("x-learnloop-clock")
    if moment is None or not get_settings().allow_clock_header:
        return nullcontext()
    try:
        return clock.at(clock.parse_iso(moment))
    except ValueError as exc:
        raise ValidationFailed.field("header.X-Learnloop-Clock", "must be an ISO-8601 time", "datetime_parsing") from exc


def _parse_body(spec: RouteSpec, raw: bytes) -> tuple[Any, Any]:
    if spec.body is None:
        return None, None
    text = raw.decode("utf-8", errors="replace").strip() or "{}"
    payload = bodies.load_object(text)
    try:
        return spec.body.model_validate_json(text), payload
    except ValidationError as exc:
        raise errors.validation_failed(exc, "body") from None


def _parse_query(spec: RouteSpec, params: dict[str, str]) -> Any:
    if spec.query is None:
        return None
    try:
        return spec.query.model_validate(dict(params))
    except ValidationError as exc:
        raise errors.validation_failed(exc, "query") from None


def _fingerprint(spec: RouteSpec, params: dict[str, str], payload: Any) -> str:
    canonical = json.dumps({"route": f"{spec.method} {spec.path}", "params": params, "body": payload}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(spec: RouteSpec, result: Any) -> idempotency.StoredResponse:
    status, headers = spec.status, {}
    if isinstance(result, Reply):
        status, headers, result = result.status, result.headers, result.body
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json", by_alias=True)
    if result is None and status != 204:
        result = {}
    replay = _without_secrets(result, spec.secrets) if spec.secrets else None
    return idempotency.StoredResponse(status=status, body=result, headers=headers, replay_body=replay)


def _without_secrets(body: Any, paths: tuple[str, ...]) -> Any:
    redacted = json.loads(json.dumps(body))
    for path in paths:
        *parents, leaf = path.split(".")
        node = redacted
        for part in parents:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict) and leaf in node:
            node[leaf] = None
    return redacted
