"""A fine-tuning job's life after its request: submission to the provider, `poll-training-jobs` advancing it
(pending -> running -> succeeded | failed | cancelled: the provider's status and new events, or local training when
the poller reaches a `local` job, `local_model.py`), registering the model of a success in the tenant's catalog (mapped
on the dataset's task categories with the base model's suitability, recorded in the dataset's lineage), the experiment
of the base model against it if asked, and settling the job's cost. Every change of a job is a conditional write on
its version, with its events in the same transaction; jobs.py takes the requests (create, read, list, cancel).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..billing import service as billing
from ..catalog import service as catalog
from ..catalog.schemas import MappingPut, ModelPut
from ..core import blobs, clock, deadline, keys, storage
from ..core.errors import Conflict, LearnloopError, NotFound, StorageBusy, ValidationFailed
from ..core.ids import new_id
from ..core.logging import get_logger
from ..events import hooks as alert_hooks
from ..experiments import service as experiments
from ..experiments.schemas import Experiment, ExperimentCreate, ExperimentPatch, VariantCreate
from ..providers.base import ProviderError
from ..tenancy import service as tenancy
from . import datasets, formats
from .fine_tuning import TRANSIENT, Snapshot, tuner_for
from .schemas import FINISHED, Job, JobError, JobEvent, JobExperimentCreate, Progress
from .store import DatasetItem, JobEventItem, JobItem, progress

MAX_SUBMIT_ATTEMPTS = 5


def start_experiment(tenant_id: str, job_id: str, data: JobExperimentCreate) -> Experiment:
    """An experiment of the job's base model (control) against the model it produced, in one task category."""
    job = load(tenant_id, job_id)
    if job.status != "succeeded" or not job.model_id:
        raise Conflict(f"job {job_id} is {job.status}: only a succeeded job has a model to test", code="job_not_succeeded")
    if job.experiment_id:
        raise Conflict(f"job {job_id} already started experiment {job.experiment_id}", code="experiment_exists")
    categories = list(job.categories or [])
    category = data.category_key or (categories[0] if len(categories) == 1 else None)
    if category is None:
        raise ValidationFailed.field(
            "body.category_key", f"the dataset spans {len(categories)} task categories: name the one to test", "missing"
        )
    share = data.fine_tuned_share
    created = experiments.create_experiment(
        tenant_id,
        ExperimentCreate(
            name=data.name or f"{job.base_model} vs {job.model_id}",
            category_key=category,
            description=f"The base model against the model fine-tuned by {job.id} on dataset {job.dataset_id}",
            metric=data.metric,
            auto_optimize=data.auto_optimize,
            min_exploration=data.min_exploration,
            variants=[
                VariantCreate(
                    id="base", name=f"Base: {job.base_model}", model_id=job.base_model, weight=1 - share, is_control=True
                ),
                VariantCreate(id="fine-tuned", name=f"Fine-tuned: {job.model_id}", model_id=job.model_id, weight=share),
            ],
        ),
    )
    key = keys.training_job(tenant_id, job_id)
    try:
        storage.commit(
            [
                storage.Update(
                    JobItem(key.pk, key.sk),
                    [
                        JobItem.experiment_id.set(created.id),
                        JobItem.events_count.add(1),
                        JobItem.updated_at.set(clock.iso(clock.now())),
                    ],
                    JobItem.experiment_id.does_not_exist(),
                ),
                job_event(tenant_id, job, f"experiment {created.id} started: {job.base_model} against {job.model_id}"),
            ]
        )
    except storage.ConditionFailed as exc:
        # Another request started one first: this one is not to run beside it.
        experiments.patch_experiment(tenant_id, created.id, ExperimentPatch(status="stopped"))
        raise Conflict(f"job {job_id} already started an experiment", code="experiment_exists") from exc
    return created


def poll_training_jobs(tenant_id: str) -> dict[str, Any]:
    """The scheduled task: advance every pending or running job of the tenant once."""
    counts: Counter[str] = Counter()
    for ref in JobItem.gsi3.query(keys.training_jobs_active(tenant_id)):
        deadline.check("polling fine-tuning jobs")  # out of time: the run is recorded as timed out and retried
        job = storage.get(JobItem, keys.Key(ref.pk, ref.sk))
        if job is None or job.status in FINISHED:
            continue
        counts["polled"] += 1
        try:
            advance(tenant_id, job)
        except storage.ConditionFailed:
            counts["changed_meanwhile"] += 1  # cancelled while we polled: the next poll sees it
        except Exception:  # noqa: BLE001 - one job's trouble must not stop the others
            get_logger().exception("polling a fine-tuning job failed", extra={"tenant_id": tenant_id, "job_id": job.id})
            counts["errors"] += 1
        counts[job.status] += 1
    return {"polled": 0, **dict(counts)}


def advance(tenant_id: str, job: JobItem) -> None:
    if job.provider == "local":
        _train_locally(tenant_id, job)
        return
    if job.provider_job_id is None:
        submit(tenant_id, job)
        return
    try:
        snapshot = tuner_for(job.provider).refresh(job)
    except ProviderError as exc:
        if exc.kind in TRANSIENT:
            save_job(job, {}, [job_event(tenant_id, job, f"could not read the job at {job.provider}: {exc}", "warning")])
        else:
            _fail(tenant_id, job, "provider_error", str(exc))
        return
    apply_snapshot(tenant_id, job, snapshot)


def submit(tenant_id: str, job: JobItem) -> None:
    """Submit the job to its provider exactly once.

    The submission is claimed on the job's version (`submitting_at`) before the provider is called, so two callers
    (the create and a poll, two polls) never both submit; a claim older than a Lambda can run is a submitter that
    died. A submission whose outcome is unknown (a claim left behind, or a failure after which the provider may have
    created the job: OpenAI's create takes no idempotency key) is first looked for at the provider by the job's
    metadata, and adopted when found, rather than submitted again.
    """
    tuner = tuner_for(job.provider)
    if job.submitting_at is not None:
        age = (clock.now() - clock.parse_iso(job.submitting_at)).total_seconds()
        if age < deadline.lock_seconds():
            return  # another caller is submitting it now
    if job.submitting_at is not None or job.submit_unknown:
        try:
            found = tuner.find(job)
        except ProviderError as exc:
            save_job(job, {}, [job_event(tenant_id, job, f"could not look for the job at {job.provider}: {exc}", "warning")])
            return
        if found is not None:
            _record_submitted(tenant_id, job, found, f"found at {job.provider} as {found.provider_job_id}")
            return
    attempts = int(job.submit_attempts or 0) + 1
    try:
        save_job(job, {"submitting_at": clock.iso(clock.now()), "submit_unknown": None, "submit_attempts": attempts}, [])
    except storage.ConditionFailed:
        return  # another caller claimed it first
    files = {"train": blobs.get(datasets.file_key(tenant_id, job.dataset_id, "train"))}
    dataset = datasets.load(tenant_id, job.dataset_id)
    if int(dataset.validation_count or 0):
        files["validation"] = blobs.get(datasets.file_key(tenant_id, job.dataset_id, "validation"))
    try:
        submitted = tuner.submit(job, files)
    except ProviderError as exc:
        if exc.kind in TRANSIENT and attempts < MAX_SUBMIT_ATTEMPTS:
            message = (
                f"submission to {job.provider} failed ({exc}); attempt {attempts} of {MAX_SUBMIT_ATTEMPTS}, "
                "retried at the next poll"
            )
            changes: dict[str, Any] = {"submitting_at": None, "submit_unknown": True}
            save_job(job, changes, [job_event(tenant_id, job, message, "warning")])
        else:
            save_job(job, {"submitting_at": None}, [])
            _fail(tenant_id, job, "submission_failed", f"{job.provider} did not accept the job: {exc}", attempts=attempts)
        return
    _record_submitted(tenant_id, job, submitted, f"submitted to {job.provider} as {submitted.provider_job_id}")


def _record_submitted(tenant_id: str, job: JobItem, submitted: Any, said: str) -> None:
    """Keep the provider's job on ours; one changed meanwhile (a cancel) is read again, never left without it."""
    changes = {
        "provider_job_id": submitted.provider_job_id,
        "provider_files": submitted.files,
        "submitting_at": None,
        "submit_unknown": None,
    }
    message = f"{said} (files {', '.join(submitted.files.values())})"
    for _ in range(3):
        try:
            save_job(job, changes, [job_event(tenant_id, job, message)])
            break
        except storage.ConditionFailed:
            job = load(tenant_id, job.id)
    else:
        raise StorageBusy(f"fine-tuning job {job.id}: too many concurrent writes while recording its submission")
    if job.status == "cancelled":  # cancelled while it was being submitted: the provider's job is cancelled too
        try:
            tuner_for(job.provider).cancel(job)
        except ProviderError:
            get_logger().warning("cancelling a job submitted while it was cancelled failed", extra={"job_id": job.id})
        return
    apply_snapshot(tenant_id, job, submitted.snapshot)


def apply_snapshot(tenant_id: str, job: JobItem, snapshot: Snapshot) -> None:
    """Record what the provider says: status, progress, metrics, new events; register the model of a success."""
    now = clock.iso(clock.now())
    events: list[storage.Op] = [
        job_event(tenant_id, job, e.message, e.level, data=e.data, source="provider", created_at=e.created_at, event_id=e.id)
        for e in snapshot.events
    ]
    changes: dict[str, Any] = {"provider_status": snapshot.provider_status}
    if snapshot.events:
        changes["last_provider_event"] = snapshot.events[-1].id
    if snapshot.progress:
        changes["progress"] = snapshot.progress
    if snapshot.metrics:
        changes["metrics"] = {**(job.metrics or {}), **snapshot.metrics}
    status = snapshot.status
    if status == "succeeded" and not snapshot.fine_tuned_model:
        status, snapshot.error = "failed", {"code": "no_model", "message": "the provider reported success without a model"}
    if status == "running" and job.status == "pending":
        changes["started_at"] = now
        events.append(job_event(tenant_id, job, f"running at {job.provider}"))
    registered = None
    if status == "succeeded" and snapshot.fine_tuned_model:
        registered = register_model(tenant_id, job, snapshot.fine_tuned_model)
        changes |= {"fine_tuned_model": snapshot.fine_tuned_model, "model_id": registered, "finished_at": now}
        events.append(job_event(tenant_id, job, f"succeeded: {registered} is in the catalog"))
    elif status in ("failed", "cancelled") and job.status != status:
        changes |= {"error": snapshot.error, "finished_at": now}
        events.append(
            job_event(
                tenant_id, job, f"{status} at {job.provider}" + (f": {snapshot.error['message']}" if snapshot.error else "")
            )
        )
    if status != job.status:
        changes["status"] = status
    try:
        save_job(job, changes, events)
    except storage.ConditionFailed:
        if registered:
            catalog.deprecate_model(tenant_id, registered)  # cancelled meanwhile: the model is not to be used
        raise
    if job.status in FINISHED:
        after_finish(tenant_id, job)


def _train_locally(tenant_id: str, job: JobItem) -> None:
    from . import local_model

    if job.status == "pending":
        started = "running: indexing the dataset's best-rated examples"
        save_job(
            job,
            {"status": "running", "started_at": clock.iso(clock.now()), "progress": progress("reading")},
            [job_event(tenant_id, job, started)],
        )
    name = local_model_name(job)
    try:
        train, validation = _samples(tenant_id, datasets.load(tenant_id, job.dataset_id))
        if len(train) < local_model.MIN_EXAMPLES:  # users' data erased since the job was made: the dataset was rebuilt
            raise Conflict(
                f"dataset {job.dataset_id} has {len(train)} training lines left (erased users' lines were removed); "
                f"fine-tuning needs at least {local_model.MIN_EXAMPLES}",
                code="not_enough_examples",
            )
        metrics = local_model.train(tenant_id, name, job.base_model, train, validation, lambda *a: _report(job, *a))
    except LearnloopError as exc:
        _fail(tenant_id, job, "training_failed", exc.message)
        return
    except (ProviderError, ValueError, KeyError) as exc:
        get_logger().warning("local training failed", extra={"job_id": job.id, "error": repr(exc)})
        message = str(exc) if isinstance(exc, ProviderError) else "the dataset's files could not be read for training"
        _fail(tenant_id, job, "training_failed", message)
        return
    model_id = register_model(tenant_id, job, name)
    summary = metrics["train"]
    message = (
        f"succeeded: {model_id} is in the catalog; on the {summary['examples']} training inputs token F1 "
        f"{summary['fine_tuned_token_f1']} against {summary['base_token_f1']} for {job.base_model}"
    )
    changes = {
        "status": "succeeded",
        "fine_tuned_model": name,
        "model_id": model_id,
        "metrics": metrics,
        "progress": progress("succeeded", 1, 1),
        "finished_at": clock.iso(clock.now()),
    }
    try:
        save_job(job, changes, [job_event(tenant_id, job, message, data={"train": summary, "validation": metrics["validation"]})])
    except storage.ConditionFailed:
        catalog.deprecate_model(tenant_id, model_id)
        raise
    after_finish(tenant_id, job)


def rebuild_local_model(tenant_id: str, model_id: str) -> str | None:
    """After an erasure rebuilt its dataset: index the local model again from it ("rebuilt"), or, when too few lines
    are left to train on or its job is gone, delete its index and deprecate it ("retired"). None for other models."""
    from . import local_model

    if not model_id.startswith("local:ft-"):
        return None
    name = model_id.split(":", 1)[1]
    book = catalog.load(tenant_id, fresh=True)
    job_id = (book.model(model_id).metadata or {}).get("training_job_id") if model_id in book.models else None
    job = storage.get(JobItem, keys.training_job(tenant_id, job_id)) if isinstance(job_id, str) else None
    dataset = storage.get(DatasetItem, keys.training_dataset(tenant_id, job.dataset_id)) if job else None
    train, validation = _samples(tenant_id, dataset) if job and dataset and dataset.status == "ready" else ([], [])
    if job is None or len(train) < local_model.MIN_EXAMPLES:
        local_model.retire(tenant_id, name)
        if model_id in book.models:
            catalog.deprecate_model(tenant_id, model_id)
        if job is not None:
            _note(tenant_id, job, "retired: too few lines are left to train on once an erased user's were removed")
        return "retired"
    metrics = local_model.train(tenant_id, name, job.base_model, train, validation, lambda *_: None)
    message = (
        f"rebuilt without an erased user's lines: {metrics['indexed_examples']} examples indexed from "
        f"{len(train)} training lines of {job.dataset_id}"
    )
    _note(tenant_id, job, message, {"metrics": metrics})
    return "rebuilt"


def _note(tenant_id: str, job: JobItem, message: str, changes: dict[str, Any] | None = None) -> None:
    def attempt() -> None:
        fresh = load(tenant_id, job.id)
        save_job(fresh, changes or {}, [job_event(tenant_id, fresh, message)])

    storage.retrying(attempt, what="recording the model's rebuild")


def local_model_name(job: JobItem) -> str:
    base = job.base_model.split(":", 1)[1]
    return "-".join(part for part in ("ft", base, job.suffix, job.id.split("_", 1)[1][-10:]) if part)


def _samples(tenant_id: str, dataset: DatasetItem) -> tuple[list[Any], list[Any]]:
    from .local_model import Sample

    manifest = {(m["split"], m["line"]): m for m in datasets.read_manifest(tenant_id, dataset)}
    out: dict[str, list[Sample]] = {}
    for split in datasets.SPLITS:
        lines = datasets.read_lines(tenant_id, dataset, split)
        out[split] = [
            Sample(
                prompt=formats.user_text(dataset.format, line),
                expected=formats.answer_text(dataset.format, line),
                quality=manifest.get((split, n), {}).get("quality"),
                task=manifest.get((split, n), {}).get("category_key"),
                system=formats.system_text(dataset.format, line),
            )
            for n, line in enumerate(lines)
        ]
    return out["train"], out["validation"]


def register_model(tenant_id: str, job: JobItem, provider_model: str) -> str:
    """Put the new model in the catalog, like its base, and map it on the dataset's categories with the base's suitability."""
    model_id = f"{job.provider}:{provider_model}"
    book = catalog.load(tenant_id, fresh=True)
    base = book.model(job.base_model) if job.base_model in book.models else None
    # Fine-tuned models cost more per token at OpenAI (about twice); local ones cost nothing.
    factor = 1.0 if job.provider == "local" else 2.0
    body = ModelPut(
        model_name=f"{base.model_name if base else job.base_model} fine-tuned" + (f" ({job.suffix})" if job.suffix else ""),
        provider=job.provider,
        capabilities=list(base.capabilities) if base else ["text_generation", "text_chat"],
        cost_bucket=base.cost_bucket if base else "medium",
        cost_per_1k_input=(base.cost_per_1k_input if base else 0.0) * factor,
        cost_per_1k_output=(base.cost_per_1k_output if base else 0.0) * factor,
        cost_per_1k_training=base.cost_per_1k_training if base else 0.0,
        context_window=base.context_window if base else None,
        max_tokens=base.max_tokens if base else None,
        average_speed_ms=base.average_speed_ms if base else None,
        priority_rank=base.priority_rank if base else 0,
        description=f"Fine-tuned from {job.base_model} on dataset {job.dataset_id} by job {job.id}",
        use_cases=list(base.use_cases) if base else [],
        version=job.id,
        metadata={"fine_tuned_from": job.base_model, "training_job_id": job.id, "dataset_id": job.dataset_id},
    )
    catalog.put_model(tenant_id, model_id, body)
    for category in job.categories or []:
        if category not in book.categories:
            continue
        mapping = book.mapping(category, job.base_model)
        catalog.put_mapping(tenant_id, category, model_id, mapping or MappingPut(suitability_score=0.5))
    datasets.attach_model(tenant_id, job.dataset_id, model_id)
    return model_id


def after_finish(tenant_id: str, job: JobItem) -> None:
    """Once a job has finished: settle its budget; delete the files uploaded to the provider; start its experiment."""
    _settle(tenant_id, job)
    if job.provider != "local" and job.provider_files and not job.files_deleted:
        try:
            tuner_for(job.provider).cleanup(job)
            storage.commit([storage.Update(JobItem(job.pk, job.sk), [JobItem.files_deleted.set(True)])])
        except (ProviderError, storage.ConditionFailed):
            pass
    if job.status == "succeeded" and job.start_experiment and not job.experiment_id:
        try:
            job.experiment_id = start_experiment(tenant_id, job.id, JobExperimentCreate()).id
        except LearnloopError as exc:
            warning = job_event(tenant_id, job, f"no experiment started: {exc.message}", "warning")
            storage.commit([warning, storage.Update(JobItem(job.pk, job.sk), [JobItem.events_count.add(1)])])


def final_cost(job: JobItem) -> float:
    """What a finished job cost: the tokens the provider trained (else the estimate) at the price of its creation;
    nothing for a failed job or one cancelled before it started."""
    if job.status == "failed" or (job.status == "cancelled" and not job.started_at):
        return 0.0
    trained = (job.metrics or {}).get("trained_tokens")
    if isinstance(trained, int | float) and job.status == "succeeded":
        return round(float(trained) / 1000 * float(job.training_price_per_1k or 0.0), 10)
    return float(job.estimated_cost_usd or 0.0)


def _settle(tenant_id: str, job: JobItem) -> None:
    """Turn the job's reservation into its cost, once (a conditional write claims the settlement first)."""
    if job.budget_month is None or job.settled_at is not None:
        return
    cost = final_cost(job)
    try:
        storage.commit(
            [
                storage.Update(
                    JobItem(job.pk, job.sk),
                    [JobItem.cost_usd.set(cost), JobItem.settled_at.set(clock.iso(clock.now()))],
                    JobItem.settled_at.does_not_exist() & JobItem.pk.exists(),
                )
            ]
        )
    except storage.ConditionFailed:
        return  # settled by another caller
    job.cost_usd, job.settled_at = cost, clock.iso(clock.now())
    budget = tenancy.get_limits(tenant_id).monthly_budget_usd  # the budget in force: its 80% and 100% are alerts
    billing.settle(billing.Reservation(tenant_id, job.budget_month, float(job.reserved_usd or 0.0), budget=budget), cost)


def load(tenant_id: str, job_id: str) -> JobItem:
    job = storage.get(JobItem, keys.training_job(tenant_id, job_id))
    if job is None:
        raise NotFound(f"no fine-tuning job {job_id}")
    return job


def _fail(tenant_id: str, job: JobItem, code: str, message: str, *, attempts: int | None = None) -> None:
    changes: dict[str, Any] = {
        "status": "failed",
        "error": {"code": code, "message": message},
        "finished_at": clock.iso(clock.now()),
    }
    if attempts is not None:
        changes["submit_attempts"] = attempts
    save_job(job, changes, [job_event(tenant_id, job, f"failed: {message}", "error")])
    after_finish(tenant_id, job)


def save_job(job: JobItem, changes: dict[str, Any], events: list[storage.Op]) -> None:
    """SET `changes` on condition that nobody changed the job since it was read, with `events`, all or nothing."""
    expected = job.version
    now = clock.iso(clock.now())
    attributes = JobItem.get_attributes()
    actions: list[Any] = []
    for name, value in {**changes, "updated_at": now}.items():
        setattr(job, name, value)
        actions.append(attributes[name].set(value) if value is not None else attributes[name].remove())
    job.version = expected + 1
    actions.append(JobItem.version.set(job.version))
    if events:
        actions.append(JobItem.events_count.add(len(events)))
        job.events_count = int(job.events_count or 0) + len(events)
    if job.status in FINISHED:
        actions += [JobItem.gsi3pk.remove(), JobItem.gsi3sk.remove()]  # out of the poller's index
    alert = alert_hooks.training_job_finished(keys.tenant_of(job.pk), job, changes["status"]) if "status" in changes else []
    storage.commit([storage.Update(JobItem(job.pk, job.sk), actions, JobItem.version == expected), *events, *alert])


def _report(job: JobItem, stage: str, done: int, total: int) -> None:
    """Progress of a long step, written without touching the version (it races with nothing that matters)."""
    state = progress(stage, done, total)
    job.progress = state
    storage.commit([storage.Update(JobItem(job.pk, job.sk), [JobItem.progress.set(state)], JobItem.pk.exists())])


def job_event(
    tenant_id: str,
    job: JobItem,
    message: str,
    level: str = "info",
    *,
    data: dict[str, Any] | None = None,
    source: str = "learnloop",
    created_at: str | None = None,
    event_id: str | None = None,
) -> storage.Put:
    when = created_at or clock.iso(clock.now())
    event_id = event_id or new_id("ftevt")
    key = keys.training_job_event(tenant_id, job.id, when, event_id)
    item = JobEventItem(
        key.pk, key.sk, id=event_id, job_id=job.id, created_at=when, level=level, message=message, source=source, data=data
    )
    return storage.Put(item)


def view(job: JobItem, events: list[JobEventItem]) -> Job:
    return Job(
        id=job.id,
        job_id=job.id,
        dataset_id=job.dataset_id,
        base_model=job.base_model,
        provider=job.provider,
        format=job.format,  # type: ignore[arg-type]
        status=job.status,  # type: ignore[arg-type]
        fine_tuned_model=job.fine_tuned_model,
        model_id=job.model_id,
        error=JobError(**job.error) if job.error else None,
        events=[
            JobEvent(id=e.id, created_at=e.created_at, level=e.level, message=e.message, source=e.source, data=e.data)  # type: ignore[arg-type]
            for e in events
        ],
        events_count=int(job.events_count or 0),
        progress=Progress(**job.progress) if job.progress else None,
        metrics=job.metrics,
        hyperparameters=job.hyperparameters or {},
        suffix=job.suffix,
        start_experiment=bool(job.start_experiment),
        experiment_id=job.experiment_id,
        provider_job_id=job.provider_job_id,
        provider_status=job.provider_status,
        estimated_cost_usd=float(job.estimated_cost_usd) if job.estimated_cost_usd is not None else None,
        cost_usd=float(job.cost_usd) if job.cost_usd is not None else None,
        created_at=job.created_at,
        updated_at=job.updated_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )
