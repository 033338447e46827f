"""Fine-tuning jobs as the API asks for them: create (an OpenAI-compatible job is submitted at once; a submission that
fails for a reason a retry may fix is retried by the poller), read, list and cancel. What happens to a job after its
request (polling, local training, registering its model, its experiment, its cost) is lifecycle.py.
"""

from __future__ import annotations

from typing import Any

from ..billing import service as billing
from ..catalog import service as catalog
from ..catalog.schemas import ModelPut
from ..core import blobs, clock, keys, pagination, storage
from ..core.errors import Conflict, NotFound, UpstreamFailed, ValidationFailed
from ..core.ids import new_id
from ..core.query import page
from ..core.schemas import Page
from ..core.table import TableItem
from ..providers.base import ProviderError, count_tokens
from ..tenancy import service as tenancy
from ..tenancy.schemas import Limits
from . import datasets, formats, lifecycle
from .fine_tuning import TRANSIENT, can_fine_tune, minimum_examples, tuner_for
from .schemas import FINISHED, Job, JobCreate, JobListQuery
from .store import DatasetItem, JobEventItem, JobItem, progress

EVENTS_SHOWN = 100
TEXT_CAPABILITIES = {"text_generation", "text_chat"}
# Epochs a cost estimate assumes when the job leaves n_epochs to the provider ("auto").
DEFAULT_EPOCHS = 3


def create_job(tenant_id: str, data: JobCreate, limits: Limits | None = None) -> Job:
    """A new job, its estimated cost reserved from the monthly budget first (429 `budget_exceeded` when it does not fit)."""
    dataset = datasets.load(tenant_id, data.dataset_id)
    if dataset.status != "ready":
        raise Conflict(f"dataset {dataset.id} is {dataset.status}, not ready", code="dataset_not_ready")
    book = catalog.load(tenant_id, fresh=True)
    if data.base_model not in book.models:
        raise ValidationFailed.field("body.base_model", f"{data.base_model} is not a model of the catalog", "unknown")
    base = book.model(data.base_model)
    if not TEXT_CAPABILITIES & set(base.capabilities):
        raise ValidationFailed.field("body.base_model", f"{data.base_model} does not generate text", "not_text")
    if not can_fine_tune(base.provider):
        raise ValidationFailed.field(
            "body.base_model", f"provider {base.provider} has no credentials configured here", "provider_unavailable"
        )
    if data.hyperparameters.beta is not None and dataset.format != formats.PREFERENCE:
        raise ValidationFailed.field("body.hyperparameters.beta", "applies to preference datasets only", "preference_only")
    minimum = minimum_examples(base.provider)
    if int(dataset.train_count or 0) < minimum:
        raise Conflict(
            f"dataset {dataset.id} has {int(dataset.train_count or 0)} training lines; "
            f"fine-tuning with {base.provider} needs at least {minimum}",
            code="not_enough_examples",
        )
    estimate = estimate_cost(tenant_id, dataset, base, data)
    limits = limits or tenancy.get_limits(tenant_id)
    reservation = billing.reserve(tenant_id, limits, estimate, until_settled=True)  # held while the job runs
    if reservation is None:
        left = max(0.0, (limits.monthly_budget_usd or 0.0) - billing.committed(tenant_id))
        raise billing.BudgetExhausted(
            f"fine-tuning {data.base_model} on {dataset.id} is estimated at ${estimate:.4f}; "
            f"${left:.4f} of the monthly budget of ${limits.monthly_budget_usd:g} is left",
            retry_after=billing.seconds_to_next_month(clock.now()),
        )
    now = clock.iso(clock.now())
    job_id = new_id("ftjob")
    key = keys.training_job(tenant_id, job_id)
    job = JobItem(
        key.pk,
        key.sk,
        id=job_id,
        dataset_id=dataset.id,
        base_model=data.base_model,
        provider=base.provider,
        format=dataset.format,
        status="pending",
        suffix=data.suffix,
        hyperparameters=data.hyperparameters.model_dump(exclude_none=True),
        start_experiment=data.start_experiment,
        categories=list(dataset.categories or []),
        progress=progress("pending"),
        events_count=1,
        created_at=now,
        updated_at=now,
        version=1,
        gsi1pk=keys.training_jobs(tenant_id),
        gsi1sk=keys.time_sort(now, job_id),
        gsi3pk=keys.training_jobs_active(tenant_id),
        gsi3sk=keys.time_sort(now, job_id),
        estimated_cost_usd=estimate,
        reserved_usd=reservation.amount,
        budget_month=reservation.month,
        training_price_per_1k=base.cost_per_1k_training,
    )
    created = lifecycle.job_event(
        tenant_id,
        job,
        f"created: {base.provider} fine-tuning of {data.base_model} on {int(dataset.train_count or 0)} training and "
        f"{int(dataset.validation_count or 0)} validation lines of {dataset.id}",
    )
    try:
        storage.commit(
            [storage.Put(job, JobItem.pk.does_not_exist()), created, datasets.attach_job(tenant_id, dataset.id, job_id)]
        )
    except storage.ConditionFailed as exc:
        billing.settle(reservation, 0.0)
        if 2 in exc.failed:
            raise Conflict(f"dataset {dataset.id} is no longer ready", code="dataset_not_ready") from exc
        raise
    except Exception:
        billing.settle(reservation, 0.0)
        raise
    if base.provider != "local":
        lifecycle.submit(tenant_id, job)
    return get_job(tenant_id, job_id)


def estimate_cost(tenant_id: str, dataset: DatasetItem, base: ModelPut, data: JobCreate) -> float:
    """Training tokens (the training file's, counted as the offline models count them) x epochs x the training price."""
    if not base.cost_per_1k_training:
        return 0.0
    text = blobs.get(datasets.file_key(tenant_id, dataset.id, "train")).decode()
    epochs = data.hyperparameters.n_epochs if isinstance(data.hyperparameters.n_epochs, int) else DEFAULT_EPOCHS
    return round(count_tokens(text) * epochs / 1000 * base.cost_per_1k_training, 10)


def get_job(tenant_id: str, job_id: str) -> Job:
    partition = keys.training_job(tenant_id, job_id).pk
    found = list(TableItem.query(partition, scan_index_forward=False, limit=EVENTS_SHOWN + 1, consistent_read=True))
    job = next((item for item in found if isinstance(item, JobItem)), None)
    if job is None:
        raise NotFound(f"no fine-tuning job {job_id}")
    events = [item for item in found if isinstance(item, JobEventItem)]
    return lifecycle.view(job, list(reversed(events)))


def list_jobs(tenant_id: str, query: JobListQuery) -> Page[Job]:
    after = pagination.decode(tenant_id, "training-jobs", query.cursor).get("k") if query.cursor else None
    found, last = page(
        JobItem,
        keys.training_jobs(tenant_id),
        index="gsi1",
        limit=query.limit,
        after=after,
        filter_condition=(JobItem.status == query.status) if query.status else None,
        forward=False,
    )
    cursor = pagination.encode(tenant_id, "training-jobs", {"k": last}) if last else None
    return Page[Job](items=[lifecycle.view(item, []) for item in found], next_cursor=cursor)


def cancel_job(tenant_id: str, job_id: str) -> Job:
    def attempt() -> JobItem:
        job = lifecycle.load(tenant_id, job_id)
        if job.status in FINISHED:
            raise Conflict(f"job {job_id} has already {job.status}", code="job_finished")
        changes: dict[str, Any] = {"status": "cancelled", "finished_at": clock.iso(clock.now())}
        if job.provider != "local" and job.provider_job_id:
            tuner = tuner_for(job.provider)
            try:
                changes["provider_status"] = tuner.cancel(job).provider_status
            except ProviderError as exc:
                if exc.kind in TRANSIENT:
                    raise UpstreamFailed(f"{job.provider} could not be reached to cancel the job: {exc}") from exc
                # The provider refuses: the job may have finished meanwhile. Record what it says now.
                lifecycle.apply_snapshot(tenant_id, job, tuner.refresh(job))
                if job.status in FINISHED:
                    raise Conflict(f"job {job_id} has already {job.status}", code="job_finished") from exc
                raise UpstreamFailed(f"{job.provider} refused to cancel the job: {exc}") from exc
        lifecycle.save_job(job, changes, [lifecycle.job_event(tenant_id, job, "cancelled by an administrator")])
        return job

    job = storage.retrying(attempt, what="cancelling the job")
    lifecycle.after_finish(tenant_id, job)
    return get_job(tenant_id, job_id)
