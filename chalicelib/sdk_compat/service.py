"""OpenAI-compatible calls on the generation flow: what a request names (model, category, user, experiment), the
generation that answers it, and that answer in OpenAI's shapes.

`model` is a catalog model id (a bare OpenAI name such as `gpt-4o-mini` finds `openai:gpt-4o-mini`), `learnloop/auto`
(routing chooses within the named category) or `learnloop/<category_key>`. Learnloop's fields come from the headers
`Learnloop-User-Id`, `Learnloop-Category`, `Learnloop-Experiment`, else from the request's `metadata` (`user_id`,
`category`, `experiment_id`) and `user`. Every call is a generation, so a session with its usage, cost, routing decision,
attempts and experiment variant: the experiment named, else the newest running experiment on the category.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import JsonValue, TypeAdapter, ValidationError

from ..catalog import service as catalog
from ..core import blobs, clock
from ..core.errors import NotFound, PayloadTooLarge, ValidationFailed
from ..core.limits import PROMPT_MAX_CHARS
from ..core.schemas import ClientId, Slug
from ..generation import service as generation
from ..generation.chat import Chat
from ..generation.schemas import Generated, GenerationRequest
from ..images.specs import IMAGE
from ..sessions import service as sessions
from ..sessions.schemas import FeedbackCreate, FeedbackRecorded
from ..tenancy.schemas import Limits
from .schemas import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionRequest,
    Choice,
    CompletionUsage,
    FeedbackRequest,
    ImageData,
    ImageGenerationRequest,
    ImagesResponse,
    LearnloopFacts,
    ModelList,
    OpenAIModel,
)

AUTO = "learnloop/auto"
PREFIX = "learnloop/"
ANONYMOUS = "anonymous"
RESERVED_METADATA = ("user_id", "category", "experiment_id")
HEADERS = {"user_id": "Learnloop-User-Id", "category": "Learnloop-Category", "experiment_id": "Learnloop-Experiment"}
_client_id: TypeAdapter[str] = TypeAdapter(ClientId)
_slug: TypeAdapter[str] = TypeAdapter(Slug)


class ModelNotFound(NotFound):
    code = "model_not_found"


@dataclass
class Target:
    """Whom and what a call is for: the session's user and category, a fixed model, an experiment."""

    user_id: str
    category_key: str
    model_id: str | None
    experiment_id: str | None
    features: dict[str, JsonValue] = field(default_factory=dict)


def resolve(
    tenant_id: str,
    model: str | None,
    headers: Mapping[str, str],
    metadata: Mapping[str, str] | None,
    user: str | None,
    *,
    image: bool = False,
) -> Target:
    metadata = metadata or {}
    named = {k: _named(k, headers, metadata) for k in HEADERS}
    user_id = _checked(named["user_id"], _client_id, _where("user_id", headers)) if named["user_id"] else (user or ANONYMOUS)
    experiment_id = named["experiment_id"] and _checked(named["experiment_id"], _client_id, _where("experiment_id", headers))
    category_key = named["category"] and _checked(named["category"], _slug, _where("category", headers))
    book = catalog.load(tenant_id)
    if category_key is not None and category_key not in book.categories:
        where = _where("category", headers)
        raise ValidationFailed.field(where, f"{category_key} is not a task category of this tenant", "unknown")
    model_id: str | None = None
    if model is None or model == AUTO:
        pass
    elif model.startswith(PREFIX):
        category_key = model.removeprefix(PREFIX)
        if category_key not in book.categories:
            raise ModelNotFound(f"the model {model} does not exist: {category_key} is not a task category of this tenant")
    elif model in book.models or f"openai:{model}" in book.models:
        model_id = model if model in book.models else f"openai:{model}"
    else:
        raise ModelNotFound(f"the model {model} does not exist in this tenant's catalog (GET /openai/v1/models lists them)")
    if category_key is None:
        category_key = _category_of(book, model_id, image)
    if category_key is None:
        raise ValidationFailed.field(
            "header.Learnloop-Category",
            f"name a task category for {model or AUTO}: model learnloop/<category_key>, the Learnloop-Category header "
            "or metadata.category",
            "missing",
        )
    if experiment_id is None:
        experiment_id = running_experiment(tenant_id, category_key)
    features: dict[str, JsonValue] = {k: v for k, v in metadata.items() if k not in RESERVED_METADATA}
    return Target(user_id, category_key, model_id, experiment_id, features)


def running_experiment(tenant_id: str, category_key: str) -> str | None:
    """The newest running experiment on the category, whose variants a call on it gets (sticky per user)."""
    from ..experiments.service import experiments_of  # deferred: a call that names no experiment looks one up

    return next((e.id for e in experiments_of(tenant_id, "running") if e.category_key == category_key), None)


def chat_completion(
    tenant_id: str, body: ChatCompletionRequest, headers: Mapping[str, str], limits: Limits | None
) -> ChatCompletion:
    target = resolve(tenant_id, body.model, headers, body.metadata, body.user)
    messages = [m.model_dump(mode="json", exclude_none=True) for m in body.messages]
    options = {
        name: getattr(body, name)
        for name in (
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "response_format",
            "stop",
            "top_p",
            "seed",
            "presence_penalty",
            "frequency_penalty",
            "logit_bias",
            "reasoning_effort",
        )
        if getattr(body, name) is not None
    }
    chat = Chat(messages, options)
    request = _generation_request(
        target,
        prompt=_prompt_of(chat),
        max_tokens=body.max_completion_tokens or body.max_tokens,
        temperature=body.temperature,
        output_type="text",
        variables=dict(target.features) or None,  # an experiment variant's prompt is rendered with them
    )
    try:
        generated = generation.generate(tenant_id, request, limits, chat)
    except ValidationFailed as exc:  # a variable the variant's prompt needs is a metadata entry of this request
        raise _as_metadata(exc) from None
    output = generated.output
    tool_calls = output.get("tool_calls") if isinstance(output, dict) else None
    content = output.get("content") if isinstance(output, dict) else output
    message = AssistantMessage(content=None if content is None else str(content), tool_calls=tool_calls)  # type: ignore[arg-type]
    book = catalog.load(tenant_id)
    ignored = chat.ignored_by(book.model(generated.model_id)) if generated.model_id in book.models else sorted(options)
    return ChatCompletion(
        id=f"chatcmpl-{generated.session_id}",
        created=int(clock.now().timestamp()),
        model=generated.model_id,
        choices=[Choice(index=0, message=message, finish_reason="tool_calls" if tool_calls else generated.finish_reason)],
        usage=CompletionUsage(
            prompt_tokens=generated.usage.input_tokens,
            completion_tokens=generated.usage.output_tokens,
            total_tokens=generated.usage.input_tokens + generated.usage.output_tokens,
        ),
        learnloop=_facts(generated, target, ignored),
    )


def image_generation(
    tenant_id: str, body: ImageGenerationRequest, headers: Mapping[str, str], limits: Limits | None
) -> ImagesResponse:
    target = resolve(tenant_id, body.model, headers, None, body.user, image=True)
    request = _generation_request(
        target, prompt=body.prompt, output_type="image", size=body.size, quality=body.quality, style=body.style, n=body.n
    )
    generated = generation.generate(tenant_id, request, limits)
    data = []
    for image in generated.images or []:
        if body.response_format == "b64_json":  # the copy Learnloop stored, read back
            extension = image.content_type.rsplit("/", 1)[-1]
            stored = blobs.get(blobs.tenant_key(tenant_id, "images", f"{image.id}.{extension}"))
            data.append(ImageData(b64_json=base64.b64encode(stored).decode("ascii"), revised_prompt=body.prompt))
        else:
            data.append(ImageData(url=image.url, revised_prompt=body.prompt))
    return ImagesResponse(created=int(clock.now().timestamp()), data=data, learnloop=_facts(generated, target, []))


def list_models(tenant_id: str) -> ModelList:
    """The tenant's active catalog models, then learnloop/auto and learnloop/<category> for each active category."""
    book = catalog.load(tenant_id)
    data = [
        OpenAIModel(id=model_id, created=_epoch(item.created_at), owned_by=item.provider)
        for model_id, item in sorted(book.models.items())
        if item.is_active
    ]
    first = min((_epoch(c.created_at) for c in book.categories.values()), default=0)
    data.append(OpenAIModel(id=AUTO, created=first, owned_by="learnloop"))
    data += [
        OpenAIModel(id=f"{PREFIX}{key}", created=_epoch(item.created_at), owned_by="learnloop")
        for key, item in sorted(book.categories.items())
        if book.category(key).is_active
    ]
    return ModelList(data=data)


def feedback(tenant_id: str, body: FeedbackRequest, headers: Mapping[str, str]) -> FeedbackRecorded:
    """Feedback on the session a call recorded; its user is the one named, else the header's, else the session's."""
    user_id = body.user_id or _named("user_id", headers, {})
    if user_id is None:
        user_id = sessions.session_user(tenant_id, body.session_id)
    data = FeedbackCreate.model_validate(
        {
            **body.model_dump(exclude_none=True, exclude={"session_id", "user_id"}),
            "user_id": _checked(user_id, _client_id, "header.Learnloop-User-Id"),
        }
    )
    return sessions.record_feedback(tenant_id, body.session_id, data)


def _generation_request(target: Target, *, prompt: str, **fields: Any) -> GenerationRequest:
    try:
        return GenerationRequest(
            user_id=target.user_id,
            category_key=target.category_key,
            prompt=prompt,
            model_id=target.model_id,
            experiment_id=target.experiment_id,
            features=target.features,
            **{k: v for k, v in fields.items() if v is not None},
        )
    except ValidationError as exc:  # what the request's own validation cannot see: the prompt the messages make
        details = [
            {
                "field": "body." + ".".join(map(str, e["loc"])).replace("prompt", "messages"),
                "message": e["msg"],
                "type": e["type"],
            }
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise ValidationFailed(f"invalid request: {details[0]['field']}: {details[0]['message']}", details=details) from None


def _prompt_of(chat: Chat) -> str:
    """What request-level routing reads: the whole conversation's text (the session records the messages themselves).
    Past PROMPT_MAX_CHARS it is 413 naming the messages, before any model is called."""
    text = chat.text()
    if not text.strip():
        raise ValidationFailed.field("body.messages", "the conversation holds no text", "missing")
    if len(text) > PROMPT_MAX_CHARS:
        message = f"the conversation holds {len(text)} characters of text, more than the {PROMPT_MAX_CHARS} accepted"
        raise PayloadTooLarge(
            message, details=[{"field": "body.messages", "message": message, "type": "too_large"}], code="prompt_too_large"
        )
    return text


def _as_metadata(exc: ValidationFailed) -> ValidationFailed:
    """A generation's complaint about `body.variables.<name>` as this request names it: `body.metadata.<name>`."""
    details = [
        {**d, "field": str(d.get("field", "")).replace("body.variables.", "body.metadata.", 1)} if isinstance(d, dict) else d
        for d in (exc.details or [])
    ]
    if details == (exc.details or []):
        return exc
    return ValidationFailed(exc.message.replace("missing variable", "missing metadata entry"), details=details, code=exc.code)


def _category_of(book: catalog.Catalog, model_id: str | None, image: bool) -> str | None:
    """The category a call that names none is recorded in: the one the fixed model is mapped to best; for images,
    the first active category that makes images."""
    if model_id is not None:
        mapped = [(item.spec.get("suitability_score", 0), key) for (key, mid), item in book.mappings.items() if mid == model_id]
        mapped = [(score, key) for score, key in mapped if key in book.categories and book.category(key).is_active]
        if mapped:
            return max(mapped)[1]
    if image:
        return next(
            (
                k
                for k in sorted(book.categories)
                if IMAGE in book.category(k).required_capabilities and book.category(k).is_active
            ),
            None,
        )
    return None


def _facts(generated: Generated, target: Target, ignored: list[str]) -> LearnloopFacts:
    return LearnloopFacts(
        session_id=generated.session_id,
        category_key=target.category_key,
        user_id=target.user_id,
        model_id=generated.model_id,
        selected_by=generated.selected_by,
        confidence_score=generated.confidence_score,
        experiment_id=generated.experiment_id,
        variant_id=generated.variant_id,
        cost_usd=generated.cost_usd,
        latency_ms=generated.latency_ms,
        attempts=[a.model_dump(mode="json", exclude_none=True) for a in generated.attempts],
        ignored_parameters=ignored,
    )


def _named(name: str, headers: Mapping[str, str], metadata: Mapping[str, str]) -> str | None:
    return headers.get(HEADERS[name].lower()) or metadata.get(name) or None


def _where(name: str, headers: Mapping[str, str]) -> str:
    return f"header.{HEADERS[name]}" if headers.get(HEADERS[name].lower()) else f"body.metadata.{name}"


def _checked(value: str, adapter: TypeAdapter[str], where: str) -> str:
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        message = exc.errors(include_url=False)[0]["msg"]
        raise ValidationFailed.field(where, message, "invalid") from None


def _epoch(iso: str | None) -> int:
    return int(clock.parse_iso(iso).timestamp()) if iso else 0


def _field(loc: tuple[Any, ...]) -> str:
    """A generation's field as the chat request names it (its prompt is made of the messages)."""
    return "body." + ".".join(map(str, loc)).replace("prompt", "messages")
