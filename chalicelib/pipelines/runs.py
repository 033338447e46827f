"""Pipeline runs (seed: AIDataPipelineRun): a pipeline executed over the tenant's own data in Learnloop.

A run reads every source table (a version's predictions, the tenant's sessions, the registry's model
versions) within `config.days` and `config.max_records`; skips the records that fail `config.where` or
repeat `config.dedupe_key`; applies the transformations; checks each remaining record (processed)
against the validation rules (failed when any rule breaks); measures data quality per (table, column);
profiles the columns (feature engineering); writes the targets (a drift baseline from the valid records'
input_data); and holds the quality figures against the data-quality policies.
"""

from __future__ import annotations

import functools
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from ..companies import scope
from ..core import clock, keys, persist, storage
from ..core.errors import Conflict, NotFound, described
from ..core.ids import new_id
from ..core.logging import get_logger
from ..core.schemas import ListQuery, Page
from ..events import hooks as alert_hooks
from ..events import service as alert_events
from ..governance import checks
from ..monitoring import baselines, drift, predictions
from ..registry import models
from ..registry import runs as training_runs
from ..registry.schemas import MlModel
from ..sessions import queries as sessions
from ..sessions.schemas import SessionListQuery
from . import definitions, quality, store
from .schemas import TARGET_BASELINE, PipelineConfig, PipelineRun
from .store import PipelineItem, PipelineRunItem

MAX_LOG_LINES = 200
MAX_LOG_CHARS = 65_536


class SourceMissing(Exception):
    """A source or target names something that does not exist (a model version)."""


class Execution:
    """What one run saw and did."""

    def __init__(self, started: datetime) -> None:
        self.started = started
        self.read = self.processed = self.failed = self.skipped = self.transformed = 0
        self.input_size = self.output_size = 0  # bytes of the records read, and of the valid ones passed on (JSON)
        self.per_table: dict[str, Counter[str]] = defaultdict(Counter)
        self.tallies: dict[tuple[str, str], quality.ColumnTally] = {}
        self.valid: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.lines: list[str] = []
        self.figures: list[quality.Figure] = []
        self.extra: dict[str, Any] = {}

    def log(self, line: str) -> None:
        if len(self.lines) < MAX_LOG_LINES:
            self.lines.append(f"{clock.iso(clock.now())} {line}")
        elif len(self.lines) == MAX_LOG_LINES:
            self.lines.append("... further lines left out")


def run_pipeline(tenant_id: str, pipeline_name: str, *, trigger: str = "manual", scheduled_for: str | None = None) -> PipelineRun:
    """Execute the pipeline now (`trigger` manual: POST .../runs; schedule: its occurrence `scheduled_for`)."""
    pipeline = definitions.load(tenant_id, pipeline_name)
    if pipeline.status == "paused":
        raise Conflict(f"pipeline {pipeline_name} is paused; set it active to run it", code="pipeline_paused")
    config = PipelineConfig.model_validate(pipeline.config or {})
    began, started = time.perf_counter(), clock.now()
    run_id = new_id("prun")
    work = Execution(started)
    status = "completed"
    work.log(f"run {run_id} of {pipeline.pipeline_type} pipeline {pipeline_name} started ({trigger})")
    try:
        with scope.bound(pipeline.company_id or scope.current()):  # a company's pipeline reads that company's data alone
            execute(tenant_id, pipeline, config, work)
            write_targets(tenant_id, pipeline, work, run_id)
    except SourceMissing as exc:
        status = "failed"
        work.log(f"failed: {exc}")
    except Exception as exc:  # noqa: BLE001 - a crashed run is recorded as failed with its error
        status = "failed"
        work.log("failed: " + described(exc, "the run stopped on an internal error (logged for the operator)"))
        get_logger().exception("pipeline run failed", extra={"pipeline": pipeline_name, "tenant_id": tenant_id})
    ended = clock.now()
    measured_at = clock.iso(ended)
    opened = 0
    if status == "completed":
        figures_ops = quality.store_ops(tenant_id, work.figures, pipeline_name, run_id, measured_at, pipeline.company_id)
        event = alert_hooks.data_quality_failed(tenant_id, pipeline_name, run_id, work.figures)
        failing = next((n for n, f in enumerate(work.figures) if f.status == "fail"), None)  # the event goes with it
        alert_events.commit_with_events([([op], event if n == failing else []) for n, op in enumerate(figures_ops)])
        opened = _check_policies(tenant_id, work, run_id, pipeline_name)
    work.log(
        f"{status}: read {work.read}, processed {work.processed}, failed {work.failed}, skipped {work.skipped}; "
        f"{len(work.figures)} quality figures, {opened} violations opened"
    )
    duration = round((time.perf_counter() - began) * 1000, 3)
    run = _run_item(tenant_id, pipeline, run_id, status, work, opened, measured_at, duration)
    run.trigger, run.scheduled_for = trigger, scheduled_for
    ops: list[storage.Op] = [storage.Put(run, PipelineRunItem.pk.does_not_exist()), _pipeline_update(pipeline, run)]
    persist.retrying(functools.partial(storage.commit, ops), what="recording the run")
    return view(run)


def execute(tenant_id: str, pipeline: PipelineItem, config: PipelineConfig, work: Execution) -> None:
    rules: dict[str, dict[str, Any]] = dict(pipeline.validation_rules or {})
    for column in config.columns:
        rules.setdefault(column, {})
    steps: dict[str, dict[str, Any]] = pipeline.transformations or {}
    seen: set[str] = set()
    for table in pipeline.source_tables or []:
        columns = dict(rules)
        if not columns and pipeline.pipeline_type == "feature_engineering" and table.startswith("predictions"):
            names = dict.fromkeys(name for model in _models_for(tenant_id, table, config) for name in model.feature_columns or [])
            columns = {f"input_data.{name}": {} for name in names}
        counts = work.per_table[table]
        for record_id, record in read_source(tenant_id, table, config, work.started):
            work.read += 1
            work.input_size += _size(record)
            counts["read"] += 1
            if any(quality.get_path(record, path) != value for path, value in config.where.items()):
                work.skipped += 1
                counts["skipped"] += 1
                continue
            if config.dedupe_key is not None:
                marker = json.dumps([table, quality.get_path(record, config.dedupe_key)], sort_keys=True, default=str)
                if marker in seen:
                    work.skipped += 1
                    counts["skipped"] += 1
                    continue
                seen.add(marker)
            if steps and transform(record, steps):
                work.transformed += 1
            work.processed += 1
            counts["processed"] += 1
            found = []
            for column, rule in columns.items():
                tally = work.tallies.setdefault((table, column), quality.ColumnTally())
                wrong = tally.see(quality.get_path(record, column), rule, work.started, record)
                found += [f"{column} {problem}" for problem in wrong]
            if found:
                work.failed += 1
                counts["failed"] += 1
                work.log(f"{table} {record_id}: " + "; ".join(found))
            else:
                work.output_size += _size(record)
                if len(work.valid[table]) < config.max_records:
                    work.valid[table].append(record)
        if table == "sessions" and scope.current() is not None:
            work.log("sessions: they belong to no company, so a company's pipeline reads none")
        work.log(f"{table}: " + ", ".join(f"{name} {counts[name]}" for name in ("read", "processed", "failed", "skipped")))
        for (tally_table, column), tally in work.tallies.items():
            if tally_table == table:
                work.figures += quality.figures(
                    table, column, tally, columns.get(column, {}), config.thresholds, config.warning_margin
                )
        if pipeline.pipeline_type == "feature_engineering":
            work.extra.setdefault("features", {})[table] = profile(work.valid[table], list(columns))


def read_source(tenant_id: str, table: str, config: PipelineConfig, now: datetime) -> Iterator[tuple[str, dict[str, Any]]]:
    """(record id, record) of a source table, newest first where the table has an order."""
    since = now - timedelta(days=config.days)
    if table.startswith("predictions"):
        count = 0
        for model in _models_for(tenant_id, table, config):
            for item in predictions.recent(tenant_id, model.id, since, now, config.max_records - count):
                count += 1
                yield item.id, predictions.view(item).model_dump(mode="json")
    elif table == "sessions":
        if scope.current() is not None:  # sessions belong to no company: a company's pipeline reads none of them
            return
        cursor, count = None, 0
        while count < config.max_records:
            query = SessionListQuery.model_validate(
                {"from": clock.iso(since), "to": clock.iso(now), "limit": 200, "cursor": cursor}
            )
            listed = sessions.list_sessions(tenant_id, query)
            for session in listed.items[: config.max_records - count]:
                count += 1
                yield session.id, session.model_dump(mode="json")
            cursor = listed.next_cursor
            if cursor is None:
                break
    elif table in ("registry_models", "models"):
        for model in _visible_models(tenant_id)[: config.max_records]:
            yield model.id, model.model_dump(mode="json")
    elif table == "training_runs":
        count = 0
        for model in _visible_models(tenant_id):
            for run in training_runs.iter_runs(tenant_id, model.id):
                if count >= config.max_records:
                    return
                count += 1
                yield run.id, training_runs.view(run).model_dump(mode="json")


def transform(record: dict[str, Any], steps: dict[str, dict[str, Any]]) -> bool:
    """Apply the transformations to `record` in place; whether anything changed."""
    changed = False
    for path, step in steps.items():
        before = quality.get_path(record, path)
        value = before
        if quality.is_missing(value):
            if "fill_missing" not in step:
                continue
            value = step["fill_missing"]
        if isinstance(value, str):
            value = value.strip() if step.get("strip") else value
            value = value.lower() if step.get("lowercase") else value
        if step.get("cast") == "number" and isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                pass
        elif step.get("cast") == "string" and value is not None and not isinstance(value, dict | list):
            value = value if isinstance(value, str) else json.dumps(value)
        if step.get("clip") and quality.json_type(value) == "number":
            low, high = step["clip"]
            value = min(max(value, low), high)
        if quality.is_missing(before) or value != before:
            quality.set_path(record, path, value)
            changed = True
    return changed


def profile(records: list[dict[str, Any]], columns: list[str]) -> dict[str, Any]:
    """Per column of the valid records: numbers' count, mean, std, min, max; categories' distinct values and top 5."""
    found: dict[str, Any] = {}
    for column in columns:
        values = [quality.get_path(record, column) for record in records]
        present = [v for v in values if not quality.is_missing(v)]
        numbers = baselines.numbers(present)
        if present and len(numbers) == len(present):
            found[column] = {"kind": "numeric", "count": len(numbers), **drift.summary(numbers)}
        else:
            counts = baselines.labels(present)
            found[column] = {
                "kind": "categorical",
                "count": sum(counts.values()),
                "distinct": len(counts),
                "top": counts.most_common(5),
            }
        found[column]["missing"] = len(values) - len(present)
    return found


def write_targets(tenant_id: str, pipeline: PipelineItem, work: Execution, run_id: str) -> None:
    """Targets: `baseline:<model>:<version>` becomes the version's drift baseline from the valid records."""
    for target in pipeline.target_tables or []:
        if not TARGET_BASELINE.match(target):
            if target != "data_quality":
                work.log(
                    f"{target}: not a table Learnloop writes (baseline:<model>:<version>, data_quality); kept for the record"
                )
            continue
        model = _model_for(tenant_id, target)
        records = [record for table in pipeline.source_tables or [] for record in work.valid[table]]
        columns = [c.removeprefix("input_data.") for c in (pipeline.validation_rules or {}) if c.startswith("input_data.")]
        columns = columns or list(model.feature_columns or [])
        features = {name: [(record.get("input_data") or {}).get(name) for record in records] for name in columns}
        written = baselines.write_from_pipeline(tenant_id, model.id, run_id, features, clock.iso(clock.now()))
        if not written:
            work.log(f"{target}: no valid values, baseline left as it was")
            continue
        work.extra.setdefault("baselines_written", []).append({"target": target, "features": written})
        work.log(f"{target}: baseline of {len(written)} features from {len(records)} valid records")


def list_runs(tenant_id: str, pipeline_name: str, query: ListQuery) -> Page[PipelineRun]:
    pipeline = definitions.load(tenant_id, pipeline_name)
    listing = f"pipeline-runs:{pipeline.id}"
    found, cursor = store.runs_page(tenant_id, pipeline_name, pipeline.company_id, listing, query.limit, query.cursor)
    return Page[PipelineRun](items=[view(item) for item in found], next_cursor=cursor)


def _models_for(tenant_id: str, table: str, config: PipelineConfig) -> list[MlModel]:
    """The versions a `predictions[:<model>[:<version>]]` source reads (without a model: `config.model_name` and
    `config.model_version` when given, else every version)."""
    parts = table.split(":")[1:]
    extra = config.model_extra or {}
    if not parts and isinstance(extra.get("model_name"), str):
        parts = [extra["model_name"], *([extra["model_version"]] if isinstance(extra.get("model_version"), str) else [])]
    if len(parts) == 2:
        return [_model_for(tenant_id, f"predictions:{parts[0]}:{parts[1]}")]
    found = [m for m in _visible_models(tenant_id) if not parts or m.model_name == parts[0]]
    if parts and not found:
        raise SourceMissing(f"{table}: no model {parts[0]}")
    return found


def _visible_models(tenant_id: str) -> list[MlModel]:
    """The versions the run may read: a company's pipeline (its company bound by `run_pipeline`) its company's alone."""
    return [model for model in models.versions(tenant_id) if scope.visible(model.company_id)]


def _model_for(tenant_id: str, table: str) -> MlModel:
    _, name, version = table.split(":")
    try:
        return models.get_model(tenant_id, name, version)
    except NotFound as exc:
        raise SourceMissing(f"{table}: no model {name} version {version}") from exc


def _check_policies(tenant_id: str, work: Execution, run_id: str, pipeline_name: str) -> int:
    policies = checks.active_policies(tenant_id)
    if not any(p.policy_type == "data_quality" for p in policies):
        return 0
    opened = 0
    by_table: dict[str, list[quality.Figure]] = defaultdict(list)
    for figure in work.figures:
        by_table[figure.table_name].append(figure)
    for table, found in by_table.items():
        model = models.ref(_model_for(tenant_id, table)) if table.count(":") == 2 else None
        facts = [
            checks.QualityFacts(f.table_name, f.column_name, f.quality_metric, f.metric_value, f.threshold, f.status)
            for f in found
        ]
        opened += checks.check_data_quality(tenant_id, policies, facts, run_id=run_id, pipeline_name=pipeline_name, model=model)
    return opened


def _run_item(
    tenant_id: str,
    pipeline: PipelineItem,
    run_id: str,
    status: str,
    work: Execution,
    opened: int,
    measured_at: str,
    duration: float,
) -> PipelineRunItem:
    started_at = clock.iso(work.started)
    key = keys.ml_pipeline_run(tenant_id, pipeline.pipeline_name, started_at, run_id, pipeline.company_id)
    statuses = Counter(figure.status for figure in work.figures)
    metrics = {
        "records_read": work.read,
        "records_valid": work.processed - work.failed,
        "records_transformed": work.transformed,
        "tables": {table: dict(counts) for table, counts in work.per_table.items()},
        "quality": {name: statuses.get(name, 0) for name in ("pass", "warning", "fail")},
        "duration_ms": duration,
        **work.extra,
    }
    figures = [
        quality.figure_view(
            f, run_id=run_id, pipeline_name=pipeline.pipeline_name, measured_at=measured_at, company_id=pipeline.company_id
        )
        for f in work.figures
    ]
    return PipelineRunItem(
        key.pk,
        key.sk,
        id=run_id,
        pipeline_id=pipeline.id,
        pipeline_name=pipeline.pipeline_name,
        pipeline_type=pipeline.pipeline_type,
        status=status,
        records_processed=work.processed,
        records_failed=work.failed,
        records_skipped=work.skipped,
        metrics=json.loads(json.dumps(metrics, default=str)),
        logs="\n".join(work.lines)[-MAX_LOG_CHARS:],
        data_quality=[figure.model_dump(mode="json") for figure in figures],
        violations_opened=opened,
        input_size=work.input_size,
        output_size=work.output_size,
        started_at=started_at,
        ended_at=measured_at,
        duration_ms=duration,
    )


def _size(record: dict[str, Any]) -> int:
    return len(json.dumps(record, default=str, separators=(",", ":")).encode())


def _pipeline_update(pipeline: PipelineItem, run: PipelineRunItem) -> storage.Update:
    status = pipeline.status
    if run.status == "failed":
        status = "error"
    elif status == "error":
        status = "active"
    return storage.Update(
        PipelineItem(pipeline.pk, pipeline.sk),
        [
            PipelineItem.runs.add(1),
            PipelineItem.last_run_id.set(run.id),
            PipelineItem.last_run_at.set(run.started_at),
            PipelineItem.last_run_status.set(run.status),
            PipelineItem.status.set(status),
            PipelineItem.updated_at.set(run.ended_at),
        ],
        PipelineItem.pk.exists(),
    )


def view(item: PipelineRunItem) -> PipelineRun:
    return PipelineRun.of(
        item,
        run_id=item.id,
        metrics=item.metrics or {},
        data_quality=item.data_quality or [],
        violations_opened=int(item.violations_opened or 0),
    )
