"""POST /v1/generations: pick the model, render the prompt, call it, fall back, record the session, answer.

The chain of models is the routing decision's candidates, best first (a `model_id` given by
the caller goes first). Each candidate's most expensive outcome is reserved from the monthly
budget before the call and settled after, whatever ends the call. A provider error moves to the
next candidate; the session records every attempt. The attempts live under the request's deadline
(core/deadline.py): each call's timeout is the provider's or the time left, whichever is shorter,
and no candidate is tried without `min_attempt_seconds` left. When every candidate failed the
answer is 502; when the time ran out first it is 504; either way the session is recorded.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

from ..billing import service as billing
from ..catalog import service as catalog
from ..catalog.schemas import TaskPut
from ..core import deadline, idempotency
from ..core.errors import BlobUnavailable, DeadlineExceeded, NotFound, UpstreamFailed, ValidationFailed
from ..core.logging import get_logger
from ..core.settings import get_settings
from ..images.specs import IMAGE, ImageParams
from ..prompts import service as prompts
from ..prompts import templates
from ..providers.base import Completion, CompletionRequest, ProviderError
from ..providers.registry import provider_for
from ..routing import scoring
from ..routing.schemas import RouteBody
from ..routing.service import Decision, decide
from ..sessions import service as sessions
from ..sessions.schemas import GenerationRecord
from ..tenancy.schemas import Limits
from . import images
from .chat import Chat
from .schemas import Attempt, Generated, GenerationRequest, Usage

MAX_ATTEMPTS = 4
# The step whose result (the provider calls, their answer and cost) is kept under the request's Idempotency-Key.
CALLS = "generation.calls"


@dataclass
class Prepared:
    text: str
    prompt: dict[str, Any] | None
    model_id: str | None  # fixed by the caller or by an experiment's variant
    experiment_id: str | None = None
    variant_id: str | None = None
    experiment_period: int | None = None  # the experiment's period of fixed weights the generation counts in (SRM)
    message: str | None = None  # the user's message, when `text` wraps it in a store's context
    system: str | None = None  # a chat's variant prompt: the conversation's system message


def generate(tenant_id: str, body: GenerationRequest, limits: Limits | None = None, chat: Chat | None = None) -> Generated:
    """`chat`: a chat completion's conversation and parameters (generation/chat.py), sent in place of the prompt."""
    with deadline.within(get_settings().request_budget_seconds):  # the request's own, when it is sooner
        return _generate(tenant_id, body, limits, chat)


def _generate(tenant_id: str, body: GenerationRequest, limits: Limits | None, chat: Chat | None = None) -> Generated:
    limits = limits or Limits()
    kind = images.output_kind(tenant_id, body.output_type, body.category_key, _category(tenant_id, body.category_key))
    prepared = _prepare(tenant_id, body, as_system=chat is not None)
    if body.context is not None:
        from ..context import service as context  # deferred: cold start (loads with the first generation with a context)

        window = context.contextual_prompt(tenant_id, body.user_id, body.context.store_id, prepared.text, None)
        prepared.message, prepared.text = prepared.text, window.prompt
    decision = decide(
        tenant_id,
        RouteBody(
            category_key=body.category_key,
            user_id=body.user_id,
            priority=body.priority,
            complexity=body.complexity,
            max_tokens=body.max_tokens,
            required_capabilities=[IMAGE] if kind == "image" else [],
        ),
        limits=limits,
        prompt=prepared.text,  # what the session records as its input: request-level routing reads it
        request_features=body.features,
    )
    chain = _chain(tenant_id, decision, prepared.model_id)
    plan = None
    if kind == "image":  # the image parameters are checked against each model before any call
        params = ImageParams(body.size, body.quality, body.style, body.n, body.negative_prompt)
        plan = images.ImagePlan(prepared.text, params)
        chain = plan.chain(chain, prepared.model_id)
    began = time.perf_counter()
    attempts: list[Attempt] = []
    answered: tuple[scoring.Scored, Completion, float, float] | None = None
    called = out_of_time = False
    resumed = idempotency.checkpoint(CALLS)  # an earlier try under this Idempotency-Key made (and paid) the calls
    for candidate in [] if resumed else chain[:MAX_ATTEMPTS]:
        if not deadline.enough_for_an_attempt():
            out_of_time = True
            attempts.append(Attempt(model_id=candidate.model_id, ok=False, error="skipped: the request's time ran out"))
            break
        price = plan.price(candidate) if plan else None
        reservation = billing.reserve(tenant_id, limits, candidate.max_cost_usd if price is None else price)
        if reservation is None:
            if limits.on_budget == "downgrade":
                attempts.append(Attempt(model_id=candidate.model_id, ok=False, error="skipped: beyond the remaining budget"))
                continue
            if not called:
                raise billing.exhausted(limits)
            attempts.append(Attempt(model_id=candidate.model_id, ok=False, error="skipped: beyond the remaining budget"))
            break
        called = True
        request = CompletionRequest(
            model_id=candidate.model_id,
            messages=chat.messages_for(candidate.model, prepared.system) if chat else _user(prepared.text),
            options=chat.options_for(candidate.model) if chat else {},
            max_tokens=body.max_tokens or decision.category.typical_max_tokens,
            temperature=body.temperature if body.temperature is not None else decision.category.typical_temperature,
            kind=kind,
            task=body.category_key,
            tenant_id=tenant_id,
        )
        started = time.perf_counter()
        settled = False
        try:
            if plan is not None:
                completion = plan.call(tenant_id, candidate)
            else:
                completion = provider_for(request.provider).complete(request)
        except BlobUnavailable:
            if price is not None:  # the images were made (and billed) but could not be stored: the cost stays spent
                billing.settle(reservation, price)
                settled = True
            raise
        except ProviderError as exc:
            if isinstance(exc, images.PaidButLost) and price is not None:
                billing.settle(reservation, price)
                settled = True
            attempts.append(Attempt(model_id=candidate.model_id, ok=False, error=str(exc), latency_ms=_ms(started)))
            get_logger().warning("model call failed", extra={"model_id": candidate.model_id, "error": str(exc)})
            out_of_time = not deadline.enough_for_an_attempt()
            continue
        else:
            if price is None:
                price = scoring.expected_cost(candidate.model, completion.input_tokens, completion.output_tokens)
            cost = round(price, 10)
            billing.settle(reservation, cost)
            settled = True
        finally:
            if not settled:  # a failed call, or anything else that ends the request: the reservation goes back
                billing.settle(reservation, 0.0)
        latency = _ms(started)
        attempts.append(Attempt(model_id=candidate.model_id, ok=True, latency_ms=latency))
        answered = (candidate, completion, cost, latency)
        break

    if resumed:
        attempts, answered, called = _restore(resumed, chain)
    elif called:  # kept before anything is written: a retry after a failure below answers these, never calls again
        idempotency.keep(CALLS, _kept(attempts, answered))
    if not called:
        raise billing.exhausted(limits)
    total_ms = _ms(began)
    first = chain[0].model_id
    # A model fixed by the caller is their override; one fixed by an experiment's variant is the system's choice.
    selected_by = "user_override" if prepared.model_id and not prepared.variant_id else decision.selected_by
    if prepared.variant_id and prepared.model_id:
        selected_by = "auto"
    record = GenerationRecord(
        user_id=body.user_id,
        category_key=body.category_key,
        input=chat.recorded() if chat else prepared.text,  # a chat's whole conversation, as sent
        status="succeeded" if answered else "failed",
        experiment_id=prepared.experiment_id,
        variant_id=prepared.variant_id,
        experiment_period=prepared.experiment_period,
        prompt=prepared.prompt,
        features=body.features,
        latency_ms=total_ms,
        attempts=[a.model_dump(exclude_none=True) for a in attempts],
        candidates=[
            {"model_id": c.model_id, "score": c.score, "expected_cost_usd": round(c.expected_cost_usd, 8)} for c in chain[:10]
        ],
        priority=decision.request.priority,
        complexity=decision.request.complexity,
    )
    # The calls that failed are counted against their models by the session's creation event (sessions.service).
    if answered is None:
        record.selected_by = "fallback" if len(sessions.failed_calls(record.attempts)) > 1 else selected_by
        created = sessions.record_generation(tenant_id, record)
        details: list[dict[str, Any]] = [
            {"session_id": created.session_id},
            *({"model_id": a.model_id, "error": a.error} for a in attempts),
        ]
        if out_of_time:
            budget = get_settings().request_budget_seconds
            raise DeadlineExceeded(f"no model answered within the request's {budget:g} s budget", details=details)
        raise UpstreamFailed("every model of the fallback chain failed", details=details)
    candidate, completion, cost, latency = answered
    if candidate.model_id != first:
        selected_by = "fallback"
    confidence = (
        _share(chain, candidate.model_id) if selected_by != "auto" or candidate.model_id != first else decision.confidence
    )
    record.output = completion.output
    record.model_id = candidate.model_id
    record.input_tokens = completion.input_tokens
    record.output_tokens = completion.output_tokens
    record.cost_usd = cost
    record.processing_time_ms = latency
    record.selected_by = selected_by
    record.confidence_score = confidence
    created = sessions.record_generation(tenant_id, record)
    if body.context is not None and prepared.message is not None:
        from ..context import service as context  # deferred: cold start (loads with the first generation with a context)

        output = completion.output if isinstance(completion.output, str) else str(completion.output)
        context.record_exchange(
            tenant_id, body.user_id, body.context.store_id, prepared.message, output, body.category_key, created.session_id
        )
    return Generated(
        id=created.session_id,
        session_id=created.session_id,
        output=completion.output,
        model_id=candidate.model_id,
        experiment_id=prepared.experiment_id,
        variant_id=prepared.variant_id,
        selected_by=selected_by,
        confidence_score=confidence,
        latency_ms=total_ms,
        usage=Usage(input_tokens=completion.input_tokens, output_tokens=completion.output_tokens),
        cost_usd=cost,
        attempts=attempts,
        prompt_name=(prepared.prompt or {}).get("name"),
        prompt_version=(prepared.prompt or {}).get("version"),
        output_type=kind,
        images=images.storage.views_of(completion.output) if plan is not None else None,  # type: ignore[arg-type]
        finish_reason=completion.finish_reason or "stop",
    )


def _kept(attempts: list[Attempt], answered: tuple[scoring.Scored, Completion, float, float] | None) -> dict[str, Any]:
    kept: dict[str, Any] = {"attempts": [a.model_dump(mode="json") for a in attempts]}
    if answered is not None:
        candidate, completion, cost, latency = answered
        kept["answered"] = {
            "model_id": candidate.model_id,
            "output": completion.output,
            "input_tokens": completion.input_tokens,
            "output_tokens": completion.output_tokens,
            "finish_reason": completion.finish_reason,
            "cost_usd": cost,
            "latency_ms": latency,
        }
    return kept


def _restore(
    kept: dict[str, Any], chain: list[scoring.Scored]
) -> tuple[list[Attempt], tuple[scoring.Scored, Completion, float, float] | None, bool]:
    """The attempts and answer an earlier try kept (`_kept`), against this try's chain of candidates."""
    attempts = [Attempt(**a) for a in kept["attempts"]]
    answer = kept.get("answered")
    if answer is None:
        return attempts, None, True
    candidate = next((c for c in chain if c.model_id == answer["model_id"]), None)
    if candidate is None:  # the catalog changed between the tries: the model that answered joins the chain, last
        candidate = dataclasses.replace(chain[-1], model_id=answer["model_id"])
        chain.append(candidate)
    completion = Completion(
        output=answer["output"],
        input_tokens=answer["input_tokens"],
        output_tokens=answer["output_tokens"],
        finish_reason=answer["finish_reason"],
    )
    return attempts, (candidate, completion, answer["cost_usd"], answer["latency_ms"]), True


def created_seed(body: GenerationRequest) -> str:
    return f"{body.user_id}:{body.category_key}"


def _prepare(tenant_id: str, body: GenerationRequest, as_system: bool = False) -> Prepared:
    """The prompt text (rendered when it is a template) and any model the caller or an experiment fixes.

    With `experiment_id`, the user's sticky variant decides: its prompt (text or named template) replaces the
    request's (`as_system`, a chat's: it becomes the conversation's system message), and its model (when it names
    one) is tried first.
    """
    text, template, version, model_id = body.prompt, body.prompt_name, body.prompt_version, body.model_id
    experiment_id = variant_id = None
    experiment_period: int | None = None
    # A raw prompt is sent as written unless variables are given; a chat's conversation always is (its variables
    # fill the experiment variant's prompt only).
    is_template = bool(body.variables) and not as_system
    if body.experiment_id is not None:
        from ..experiments.assignment import (
            variant_for,  # deferred: cold start (loads with the first generation in an experiment)
        )

        variant, experiment_period = variant_for(tenant_id, body.experiment_id, body.user_id)
        experiment_id, variant_id = variant.experiment_id, variant.variant_id
        if as_system and (variant.prompt is not None or variant.prompt_name is not None):
            system = (
                templates.render(variant.prompt, body.variables)
                if variant.prompt is not None
                else prompts.render(tenant_id, str(variant.prompt_name), body.variables, variant.prompt_version).text
            )
            prompt: dict[str, Any] | None = {"system": system, "variant_prompt": variant.prompt_name or "inline"}
            model_id = variant.model_id or model_id
            return Prepared(str(text), prompt, model_id, experiment_id, variant_id, experiment_period, system=system)
        if variant.prompt is not None:
            text, template, version, is_template = variant.prompt, None, None, True
        elif variant.prompt_name is not None:
            text, template, version = None, variant.prompt_name, variant.prompt_version
        model_id = variant.model_id or model_id
    if template is not None:
        try:
            rendered = prompts.render(tenant_id, template, body.variables, version)
        except NotFound:
            configured = _configured_prompt(tenant_id, template, body.variables) if version is None else None
            if configured is None:
                raise
            prompt = {"name": template, "config_version": configured[1], "variables": body.variables}
            return Prepared(configured[0], prompt, model_id, experiment_id, variant_id, experiment_period)
        prompt = {"name": template, "version": rendered.version, "variables": body.variables}
        return Prepared(rendered.text, prompt, model_id, experiment_id, variant_id, experiment_period)
    if text is None:
        raise ValidationFailed.field(
            "body.prompt", "give prompt or prompt_name: the experiment's variant has no prompt", "missing"
        )
    rendered_text = templates.render(text, body.variables) if is_template else text
    prompt = {"variables": body.variables} if body.variables else None
    return Prepared(rendered_text, prompt, model_id, experiment_id, variant_id, experiment_period)


def _configured_prompt(tenant_id: str, name: str, variables: dict[str, Any]) -> tuple[str, int] | None:
    """A name no prompt template has, from the active prompts configuration (the templates come first)."""
    from ..ai_config import service as ai_config  # deferred: cold start (loads when a name no template has is asked for)

    return ai_config.render_prompt(tenant_id, name, variables)


def _chain(tenant_id: str, decision: Decision, fixed: str | None) -> list[scoring.Scored]:
    """The candidates in the order they are tried: a fixed model first (if it can serve), then the ranking."""
    if fixed is None:
        return decision.candidates
    for candidate in decision.candidates:
        if candidate.model_id == fixed:
            return [candidate, *(c for c in decision.candidates if c.model_id != fixed)]
    why = dict(decision.excluded).get(fixed) or "is not in the catalog"
    raise ValidationFailed.field("body.model_id", f"{fixed} cannot serve this request: {why}", "model_unavailable")


def _category(tenant_id: str, category_key: str) -> TaskPut:
    book = catalog.load(tenant_id)
    if category_key not in book.categories:
        raise ValidationFailed.field("body.category_key", f"{category_key} is not a task category of this tenant", "unknown")
    return book.category(category_key)


def _share(chain: list[scoring.Scored], model_id: str) -> float:
    scores = [c.score for c in chain]
    return scoring.share(scores, next(c.score for c in chain if c.model_id == model_id))


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
