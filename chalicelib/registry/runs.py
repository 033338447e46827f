"""Training runs: started on a model version, fed metric points over time, ended once; the version follows.

Starting a run moves its version to `training` (this is how a failed version comes back). When the last
running run of a version in `training` (or `validating`) ends, the version becomes `validated` if the run
completed and `failed` if it failed (a cancelled run leaves it where it is).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..companies import scope
from ..core import clock, keys, persist, storage
from ..core.errors import Conflict
from ..core.ids import new_id
from ..core.schemas import ListQuery, Page
from . import lifecycle, models, store
from .schemas import MetricPoint, RunCreate, RunPatch, TrainingRun, TrainingRunDetail
from .store import RegisteredModelItem, RunItem, RunPointItem

MAX_POINTS = 10_000
MAX_LOG_CHARS = 65_536
_POINT_FIELDS = ("loss", "validation_loss", "accuracy", "validation_accuracy")


def start_run(
    tenant_id: str,
    model_name: str,
    model_version: str,
    data: RunCreate,
    *,
    trigger: dict[str, Any] | None = None,
    training_data: dict[str, Any] | None = None,
    model_id: str | None = None,
) -> TrainingRunDetail:
    """`trigger` and `training_data`: what started a run that is not the caller's own (a drift action's retraining)."""

    def attempt() -> RunItem:
        model = models.load(tenant_id, model_name, model_version, model_id=model_id)
        if model.status not in lifecycle.RUN_MAY_START_FROM:
            allowed = ", ".join(sorted(lifecycle.RUN_MAY_START_FROM))
            raise Conflict(
                f"model {model_name} {model_version} is {model.status}: a training run starts only on a version that is "
                f"{allowed}; register a new version to retrain it",
                code="illegal_transition",
            )
        now = clock.iso(clock.now())
        run_id = new_id("run")
        key = keys.ml_run(tenant_id, run_id)
        run = RunItem(
            key.pk,
            key.sk,
            id=run_id,
            model_id=model.id,
            model_name=model_name,
            model_version=model_version,
            run_name=data.run_name,
            status="running",
            epochs=data.epochs,
            batch_size=data.batch_size,
            learning_rate=data.learning_rate,
            points=0,
            company_id=model.company_id,
            trigger=trigger,
            training_data=training_data,
            started_at=now,
            updated_at=now,
            version=1,
            gsi1pk=keys.ml_runs_of_version(tenant_id, model.id),
            gsi1sk=keys.time_sort(now, run_id),
        )
        changes: dict[str, Any] = {"last_run_id": run_id}
        if model.status != "training":
            changes.update(models.status_changes(tenant_id, model, "training", f"training run {run_id} started"))
        model_op = models.update_op(model, changes, extra=[RegisteredModelItem.running_runs.add(1)])
        storage.commit([storage.Put(run, RunItem.pk.does_not_exist()), model_op])
        return run

    return TrainingRunDetail(**view(persist.retrying(attempt, what="starting the run")).model_dump())


def patch_run(tenant_id: str, run_id: str, data: RunPatch) -> TrainingRunDetail:
    def attempt() -> RunItem:
        run = _load(tenant_id, run_id)
        target = data.status or run.status
        if run.status != "running":
            if target != run.status or data.model_fields_set - {"status"}:
                raise Conflict(f"run {run_id} is {run.status}; a finished run does not change", code="illegal_transition")
            return run
        lifecycle.check_move("run", lifecycle.RUN_MOVES, run.status, target, f"run {run_id}")
        now = clock.iso(clock.now())
        ops: list[storage.Op] = []
        for name in _POINT_FIELDS:
            if getattr(data, name) is not None:
                setattr(run, name, getattr(data, name))
        values = {name: getattr(data, name) for name in _POINT_FIELDS if getattr(data, name) is not None}
        values |= data.metrics_point or {}
        if values:
            step = int(run.points or 0) + 1
            if step > MAX_POINTS:
                raise Conflict(f"run {run_id} already has {MAX_POINTS} metric points", code="too_many_points")
            point_key = keys.ml_run_point(tenant_id, run_id, step)
            point = RunPointItem(point_key.pk, point_key.sk, step=step, recorded_at=now, values=values)
            ops.append(storage.Put(point, RunPointItem.pk.does_not_exist()))
            run.points = step
        if data.logs:
            run.logs = ((run.logs + "\n") if run.logs else "") + data.logs
            run.logs = run.logs[-MAX_LOG_CHARS:]
        if target != run.status:
            run.status, run.ended_at = target, now
            ops.append(_version_follows(tenant_id, run))
        run.updated_at = now
        storage.commit([persist.bump(run), *ops])
        return run

    return detail(persist.retrying(attempt, what="updating the run"))


def _version_follows(tenant_id: str, run: RunItem) -> storage.Update:
    """The model version's side of a run ending: one run fewer running, and maybe a new status."""
    model = models.load(tenant_id, run.model_name, run.model_version, model_id=run.model_id)
    left = int(model.running_runs or 0) - 1
    changes: dict[str, Any] = {}
    outcome = {"completed": "validated", "failed": "failed"}.get(run.status)
    if model.status in ("training", "validating") and left <= 0 and outcome is not None:
        changes.update(models.status_changes(tenant_id, model, outcome, f"training run {run.id} {run.status}"))
    reached = run.validation_accuracy if run.validation_accuracy is not None else run.accuracy
    if run.status == "completed" and model.accuracy is None and reached is not None:
        changes["accuracy"] = reached
    return models.update_op(model, changes, extra=[RegisteredModelItem.running_runs.add(-1)])


def get_run(tenant_id: str, run_id: str) -> TrainingRunDetail:
    return detail(_load(tenant_id, run_id))


def detail(run: RunItem) -> TrainingRunDetail:
    """The run with its metric points over time (one Query of the run's partition)."""
    found = store.run_points(run) if run.points else []
    points = [MetricPoint(step=int(p.step), recorded_at=p.recorded_at, values=p.values) for p in found]
    validation = [
        MetricPoint(step=point.step, recorded_at=point.recorded_at, values=values)
        for point in points
        if (values := {k: v for k, v in point.values.items() if k.startswith(("validation_", "val_"))})
    ]
    return TrainingRunDetail(**view(run).model_dump(), training_metrics=points, validation_metrics=validation)


def list_runs(tenant_id: str, model_name: str, model_version: str, query: ListQuery) -> Page[TrainingRun]:
    model = models.load(tenant_id, model_name, model_version)
    found, cursor = store.runs_page(tenant_id, model.id, f"runs:{model.id}", query.limit, query.cursor)
    return Page[TrainingRun](items=[view(item) for item in found], next_cursor=cursor)


def iter_runs(tenant_id: str, model_id: str) -> Iterator[RunItem]:
    """A version's runs, newest first (GSI1)."""
    yield from store.runs_of_version(tenant_id, model_id)


def _load(tenant_id: str, run_id: str) -> RunItem:
    return persist.load(
        RunItem, keys.ml_run(tenant_id, run_id), f"no training run {run_id}", where=lambda run: scope.visible(run.company_id)
    )


def view(run: RunItem) -> TrainingRun:
    duration = None
    if run.ended_at:
        duration = round((clock.parse_iso(run.ended_at) - clock.parse_iso(run.started_at)).total_seconds(), 3)
    return TrainingRun.of(run, run_id=run.id, points=int(run.points or 0), logs=run.logs or "", duration_seconds=duration)
