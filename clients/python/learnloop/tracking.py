"""`@learnloop.track(category=...)`: a function that makes an AI call records it as a session.

The session's input is the function's arguments, its output what the function returned (an openai answer's message
text, with its model as `openai:<model>` and its token usage in the features), its processing time the call's. The
user is `user_id=` given to the decorator (a string, or a function of the call's arguments), else a `user_id` keyword
argument of the call, else "anonymous". Recording never breaks the function: a failure to record is logged.
`last_session_id()` tells the id of the session the last tracked call (in this context) recorded.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from .errors import LearnloopError, TransportError

F = TypeVar("F", bound=Callable[..., Any])
_last: ContextVar[str | None] = ContextVar("learnloop_last_session", default=None)
_default_client: Any = None
log = logging.getLogger("learnloop")


def configure(client: Any) -> None:
    """The client `track` records with when none is given."""
    global _default_client
    _default_client = client


def last_session_id() -> str | None:
    return _last.get()


def track(
    category: str,
    *,
    client: Any = None,
    user_id: str | Callable[..., str] | None = None,
    project_id: str | None = None,
) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            result = function(*args, **kwargs)
            elapsed_ms = round((time.perf_counter() - began) * 1000, 3)
            who = user_id(*args, **kwargs) if callable(user_id) else user_id or kwargs.get("user_id") or "anonymous"
            _record(client, category, str(who), project_id, _arguments(signature, args, kwargs), result, elapsed_ms)
            return result

        return wrapper  # type: ignore[return-value]

    return decorate


def _record(
    client: Any, category: str, user: str, project_id: str | None, arguments: Any, result: Any, elapsed_ms: float
) -> None:
    from .client import Learnloop

    try:
        recorder = client or _default_client or Learnloop()
        output, model_id, features = _output_of(result)
        created = recorder.create_session(
            user,
            category,
            arguments,
            output=output,
            model_id=model_id,
            project_id=project_id,
            features=features or None,
            processing_time_ms=elapsed_ms,
        )
        _last.set(created.session_id)
    except (LearnloopError, TransportError, ValueError) as exc:
        _last.set(None)
        log.warning("learnloop: the call was not recorded: %s", exc)


def _arguments(signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return {"args": [_jsonable(a) for a in args], "kwargs": {k: _jsonable(v) for k, v in kwargs.items()}}
    return {name: _jsonable(value) for name, value in bound.arguments.items()}


def _output_of(result: Any) -> tuple[Any, str | None, dict[str, Any]]:
    """An openai chat completion's text, model and usage; anything else as JSON."""
    choices = getattr(result, "choices", None)
    if choices and hasattr(choices[0], "message"):
        usage = getattr(result, "usage", None)
        features = {}
        if usage is not None:
            features = {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens}
        model = getattr(result, "model", None)
        model_id = model if model is None or ":" in model else f"openai:{model}"
        return choices[0].message.content, model_id, features
    return _jsonable(result), None, {}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "model_dump"):
        return _jsonable(value.model_dump(mode="json"))
    return repr(value)
