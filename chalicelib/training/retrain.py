"""Retraining (seed 001's POST /api/ai/retrain-model, and the monthly `model-retraining` task).

One run: build a dataset of the window (every rated session is read once, for the dataset and for the
analysis), analyse what separates high-rated from low-rated sessions (`analysis.py`), start a
fine-tuning job when the dataset has at least the provider's minimum of training lines (the job
starts an experiment of its base model against the new model when it succeeds), and propose for
each running experiment of a category in the window a new prompt variant derived from that
category's best-rated sessions, added with a small share of traffic.

A new prompt is written by the category's routed model when that is a provider model (asked to
keep every placeholder; an answer that changes the placeholders is discarded), and otherwise by a
deterministic rewrite: the control's prompt, plus the words the best-rated answers share and the
low-rated ones lack, plus the feature values the best-rated sessions share.
"""

from __future__ import annotations

from typing import Any

from ..billing import service as billing
from ..catalog import service as catalog
from ..core import clock
from ..core.errors import LearnloopError
from ..core.logging import get_logger
from ..experiments import service as experiments
from ..experiments.schemas import VariantCreate
from ..experiments.service import ExperimentItem, experiments_of
from ..prompts import service as prompts
from ..prompts import templates
from ..providers.base import CompletionRequest, ProviderError, count_tokens
from ..providers.local import key_terms
from ..providers.registry import provider_for
from ..routing import scoring
from ..tenancy import service as tenancy
from ..tenancy.schemas import Limits
from . import analysis, datasets, jobs
from .assembly import Candidate
from .fine_tuning import can_fine_tune, minimum_examples
from .schemas import DatasetCreate, JobCreate, NewVariant, Patterns, RetrainRequest, RetrainResult

LOCAL_REWRITE = "local-rewrite"
BEST_SESSIONS = 5
MAX_TERMS = 5
FALLBACK_BASE = "local:sage"


def retrain(tenant_id: str, body: RetrainRequest, limits: Limits | None = None) -> RetrainResult:
    """One retraining run. Its job's estimated cost and any prompt rewrite by a provider model are reserved from the
    monthly budget like generations; a job beyond the budget answers 429 `budget_exceeded` (the dataset stays built)."""
    limits = limits or tenancy.get_limits(tenant_id)
    item, candidates = datasets.build(
        tenant_id,
        DatasetCreate(
            days=body.days,
            min_rating=body.min_rating,
            category_key=body.category_key,
            validation_split=body.validation_split,
            system_prompt=body.system_prompt,
            format=body.format,
            name=f"retrain {clock.day_of(clock.now())}",
        ),
        keep_all_rated=True,
    )
    patterns = analysis.analyse(candidates)
    job, skipped = None, None
    if body.start_job:
        base = body.base_model or choose_base(tenant_id, patterns)
        train_count = int(item.train_count or 0)
        if base is None:
            skipped = "no model of the catalog can be fine-tuned here"
        elif train_count < minimum_examples(base.split(":", 1)[0]):
            skipped = f"{train_count} training lines; fine-tuning {base} needs at least {minimum_examples(base.split(':', 1)[0])}"
        else:
            try:
                job = jobs.create_job(
                    tenant_id, JobCreate(dataset_id=item.id, base_model=base, suffix="retrain", start_experiment=True), limits
                )
            except billing.BudgetExhausted as exc:
                built = {"dataset_id": item.id, "message": "the dataset is built; start its job when the budget allows"}
                exc.details.append(built)
                raise
            except LearnloopError as exc:
                skipped = exc.message
    new_variants: list[NewVariant] = []
    skipped_variants: list[dict[str, str]] = []
    if body.improve_prompts:
        new_variants, skipped_variants = improve_prompts(tenant_id, candidates, body.variant_share, limits)
    return RetrainResult(
        dataset=datasets.view(item),
        job=job,
        job_skipped=skipped,
        patterns=patterns,
        new_variants=new_variants,
        skipped_variants=skipped_variants,
    )


def monthly_retraining(tenant_id: str) -> dict[str, Any]:
    """The `model-retraining` task (disabled by default): the last 30 days, examples rated 4 stars or better."""
    result = retrain(tenant_id, RetrainRequest(days=30, min_rating=4))
    return {
        "dataset_id": result.dataset.id,
        "train_count": result.dataset.train_count,
        "validation_count": result.dataset.validation_count,
        "sessions_analysed": result.patterns.sessions,
        "job_id": result.job.id if result.job else None,
        "job_skipped": result.job_skipped,
        "new_variants": [f"{v.experiment_id}/{v.variant_id}" for v in result.new_variants],
    }


def choose_base(tenant_id: str, patterns: Patterns) -> str | None:
    """The model whose sessions were rated high most often (smoothed), among those that can be fine-tuned here."""
    book = catalog.load(tenant_id, fresh=True)

    def usable(model_id: str) -> bool:
        if model_id not in book.models:
            return False
        spec = book.model(model_id)
        return spec.is_active and bool(jobs.TEXT_CAPABILITIES & set(spec.capabilities)) and can_fine_tune(spec.provider)

    ranked = sorted(patterns.by_model, key=lambda g: (-(g.high + 1) / (g.sessions + 2), -g.sessions, g.value))
    chosen = next((g.value for g in ranked if usable(g.value)), None)
    return chosen or (FALLBACK_BASE if usable(FALLBACK_BASE) else None)


# --- prompt improvement ------------------------------------------------------------------------------


def improve_prompts(
    tenant_id: str, candidates: list[Candidate], share: float, limits: Limits | None = None
) -> tuple[list[NewVariant], list[dict[str, str]]]:
    """A new prompt variant in each running experiment of a category in the window, from its best-rated sessions."""
    categories = {c.category_key for c in candidates if c.quality is not None}
    created: list[NewVariant] = []
    skipped: list[dict[str, str]] = []
    for experiment in running_experiments(tenant_id, categories):
        category = experiment.category_key or ""
        members = [c for c in candidates if c.category_key == category and c.quality is not None]
        try:
            variant = _improve(tenant_id, experiment, members, share, limits or Limits())
        except LearnloopError as exc:
            skipped.append({"experiment_id": experiment.id, "reason": exc.message})
            continue
        if isinstance(variant, str):
            skipped.append({"experiment_id": experiment.id, "reason": variant})
        else:
            created.append(variant)
    return created, skipped


def running_experiments(tenant_id: str, categories: set[str]) -> list[ExperimentItem]:
    running = reversed(list(experiments_of(tenant_id, "running")))  # oldest first
    return [e for e in running if e.category_key in categories]


def _improve(
    tenant_id: str, experiment: ExperimentItem, members: list[Candidate], share: float, limits: Limits
) -> NewVariant | str:
    control = next(v for v in experiment.variants if v["id"] == experiment.control_id)
    base = _prompt_of(tenant_id, control)
    if base is None:
        return "its control variant has no prompt to improve"
    best = sorted((c for c in members if analysis.is_high(c)), key=lambda c: c.created_at, reverse=True)
    best = sorted(best, key=lambda c: -(c.quality or 0.0))[:BEST_SESSIONS]  # the best, the newest among equals
    if not best:
        return f"no high-rated session of {experiment.category_key} in the window"
    low = [c for c in members if analysis.is_low(c)]
    terms = [t.term for t in analysis.term_effects(best, low, lambda c: c.expected_text) if t.term not in key_terms(base)]
    hints: list[tuple[str, str | None]] = [
        (e.feature, e.best_value)
        for e in analysis.feature_effects(members)
        if e.kind == "categorical" and e.effect >= 0.25 and e.best_value is not None
    ]
    text, written_by = _written_by_model(tenant_id, experiment.category_key or "", base, best, terms[:MAX_TERMS], hints, limits)
    if text is None:
        text, written_by = rewrite(base, terms[:MAX_TERMS], hints), LOCAL_REWRITE
    if text is None:
        return "the best-rated sessions share nothing the prompt lacks"
    if any(v.get("prompt") == text for v in experiment.variants):
        return "the experiment already has this prompt"
    active = sum(float(v["weight"]) for v in experiment.variants if v["active"])
    weight = round(share / (1 - share) * active, 6) if active > 0 else 1.0
    variant = experiments.add_variant(
        tenant_id,
        experiment.id,
        VariantCreate(
            id=_variant_id(experiment),
            name=f"Retrained {clock.day_of(clock.now())}",
            prompt=text,
            model_id=control.get("model_id"),
            weight=weight,
            description=f"Derived by retraining from {len(best)} best-rated sessions ({written_by})",
        ),
    )
    return NewVariant(
        experiment_id=experiment.id,
        variant_id=variant.id,
        category_key=experiment.category_key or "",
        prompt=text,
        weight=variant.weight,
        traffic_share=variant.traffic_share,
        written_by=written_by,
        derived_from={"session_ids": [c.session_id for c in best], "terms": terms[:MAX_TERMS], "features": dict(hints)},
    )


def rewrite(base: str, terms: list[str], hints: list[tuple[str, str | None]]) -> str | None:
    """The deterministic rewrite: the base prompt and what the best-rated sessions had in common."""
    extra = []
    if terms:
        extra.append(f"Mention {_join(terms)}, as the best-rated answers do.")
    if hints:
        extra.append("The best-rated requests had " + _join([f"{name} {value}" for name, value in hints]) + ".")
    if not extra:
        return None
    addition = " ".join(extra).replace("{", "{{").replace("}", "}}")
    return f"{base.rstrip()}\n\n{addition}"


def _written_by_model(
    tenant_id: str,
    category: str,
    base: str,
    best: list[Candidate],
    terms: list[str],
    hints: list[tuple[str, str | None]],
    limits: Limits,
) -> tuple[str | None, str]:
    """A rewrite by the category's routed model, when that is a provider model and its most expensive outcome fits
    the budget (reserved, then settled to the call's cost); (None, "") otherwise or on failure."""
    # deferred: cold start (routing's decision loads only when a retraining rewrites a prompt)
    from ..routing.schemas import RouteBody
    from ..routing.service import decide

    try:
        selected = decide(tenant_id, RouteBody(category_key=category)).selected
    except LearnloopError:
        return None, ""
    model_id = selected.model_id
    if model_id.startswith("local:"):
        return None, ""
    examples = "\n".join(f"- {(c.expected_text or '')[:500]}" for c in best)
    ask = (
        f"Improve this prompt template for the task {category}. Keep every placeholder in braces exactly as written and "
        "add none. Answer with the improved template only.\n\n"
        f"Template:\n{base}\n\nThe best-rated answers (redacted):\n{examples}\n\n"
        f"Words the best-rated answers share: {', '.join(terms) or 'none'}. "
        f"Feature values of the best-rated requests: {', '.join(f'{n}={v}' for n, v in hints) or 'none'}."
    )
    request = CompletionRequest(
        model_id=model_id,
        messages=[{"role": "user", "content": ask}],
        max_tokens=1000,
        temperature=0.2,
        task=category,
        tenant_id=tenant_id,
    )
    reservation = billing.reserve(tenant_id, limits, scoring.expected_cost(selected.model, count_tokens(ask), 1000))
    if reservation is None:
        return None, ""  # beyond the budget: the deterministic rewrite costs nothing
    try:
        completion = provider_for(request.provider).complete(request)
    except (ProviderError, LearnloopError) as exc:
        billing.settle(reservation, 0.0)
        get_logger().warning("prompt rewrite by the routed model failed", extra={"model_id": model_id, "error": str(exc)})
        return None, ""
    billing.settle(reservation, scoring.expected_cost(selected.model, completion.input_tokens, completion.output_tokens))
    text = completion.output.strip().strip("`").strip()
    if not text or text == base or len(text) > 20_000 or set(templates.variables_of(text)) != set(templates.variables_of(base)):
        return None, ""
    return text, model_id


def _prompt_of(tenant_id: str, variant: dict[str, Any]) -> str | None:
    if variant.get("prompt"):
        return str(variant["prompt"])
    if variant.get("prompt_name"):
        try:
            return prompts.get_prompt(tenant_id, variant["prompt_name"], variant.get("prompt_version")).template
        except LearnloopError:
            return None
    return None


def _variant_id(experiment: ExperimentItem) -> str:
    stem = "retrained-" + clock.day_of(clock.now()).replace("-", "")
    taken = {v["id"] for v in experiment.variants}
    n, candidate = 1, stem
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
