"""Data pipeline definitions (seed: AIDataPipeline): what they read, check and write; names unique per company
(tenant-wide pipelines: per tenant)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

from ..companies import scope
from ..companies.schemas import CompanyListQuery
from ..core import clock, keys, pagination, storage
from ..core.errors import Conflict, NotFound, ValidationFailed
from ..core.ids import new_id
from ..core.query import page
from ..core.schemas import Page
from ..core.table import TableItem
from ..registry import lifecycle, writes
from . import cron
from .schemas import Pipeline, PipelineCreate, PipelinePatch
from .store import PipelineItem

# A paused pipeline does not run; one whose last run crashed is in `error`.
STATES = ("active", "paused", "error")
MOVES: Mapping[str, frozenset[str]] = {
    "active": frozenset({"paused", "error"}),
    "paused": frozenset({"active"}),
    "error": frozenset({"active", "paused"}),
}


def create_pipeline(tenant_id: str, data: PipelineCreate) -> Pipeline:
    company = scope.stamp(data.company_id)
    if company is not None and "sessions" in data.source_tables:
        raise ValidationFailed.field("body.source_tables", "sessions belong to no company: a company's pipeline cannot read them")
    moment = clock.now()
    now = clock.iso(moment)
    key = keys.ml_pipeline(tenant_id, data.pipeline_name, company)  # names are unique per company
    item = PipelineItem(
        key.pk,
        key.sk,
        id=new_id("ppl"),
        pipeline_name=data.pipeline_name,
        pipeline_type=data.pipeline_type,
        status="active",
        schedule=data.schedule,
        next_run_at=_iso(cron.first_after(data.schedule, moment)),
        description=data.description,
        config=data.config.model_dump(mode="json"),
        source_tables=data.source_tables,
        target_tables=data.target_tables,
        validation_rules={name: rule.model_dump(mode="json", exclude_none=True) for name, rule in data.validation_rules.items()},
        transformations={name: step.model_dump(mode="json", exclude_unset=True) for name, step in data.transformations.items()},
        runs=0,
        company_id=company,
        created_at=now,
        updated_at=now,
        version=1,
    )
    exists = Conflict(f"a pipeline named {data.pipeline_name} already exists", code="pipeline_exists")
    writes.create([storage.Put(item, PipelineItem.pk.does_not_exist())], exists, what="creating the pipeline")
    return view(item)


def list_pipelines(tenant_id: str, query: CompanyListQuery) -> Page[Pipeline]:
    listing = f"pipelines:{query.company_id or ''}"
    state = pagination.decode(tenant_id, listing, query.cursor) if query.cursor else {}
    found, last = page(
        PipelineItem,
        keys.ml_pipelines(tenant_id),
        limit=query.limit,
        after=state.get("k"),
        range_condition=TableItem.sk.startswith(keys.ml_pipeline_prefix()),
        filter_condition=scope.condition(PipelineItem.company_id, query.company_id),
    )
    cursor = pagination.encode(tenant_id, listing, {"k": last}) if last else None
    return Page[Pipeline](items=[view(item) for item in found], next_cursor=cursor)


def iter_pipelines(tenant_id: str) -> Iterator[PipelineItem]:
    """Every pipeline of the tenant, by name."""
    return PipelineItem.query(keys.ml_pipelines(tenant_id), TableItem.sk.startswith(keys.ml_pipeline_prefix()))


def patch_pipeline(tenant_id: str, pipeline_name: str, data: PipelinePatch) -> Pipeline:
    def attempt() -> PipelineItem:
        item = load(tenant_id, pipeline_name)
        lifecycle.check_move("pipeline", MOVES, item.status, data.status, f"pipeline {pipeline_name}")
        item.status, item.updated_at = data.status, clock.iso(clock.now())
        expected = item.version
        item.version = expected + 1
        storage.commit([storage.Put(item, PipelineItem.version == expected)])
        return item

    return view(storage.retrying(attempt, what="updating the pipeline"))


def load(tenant_id: str, pipeline_name: str) -> PipelineItem:
    """The company's pipeline of that name, or (a key of no company) the tenant-wide one, else the one company's."""
    company = scope.current()
    item = storage.get(PipelineItem, keys.ml_pipeline(tenant_id, pipeline_name, company))
    if item is None and company is None:
        prefix = keys.ml_pipeline(tenant_id, pipeline_name, "").sk  # `PIPELINE#<name>@`
        found = PipelineItem.query(keys.ml_pipelines(tenant_id), PipelineItem.sk.startswith(prefix), consistent_read=True)
        item = scope.one_of([i for i in found if isinstance(i, PipelineItem)], f"pipeline {pipeline_name}")
    elif item is None:  # one stored before names were per company
        item = storage.get(PipelineItem, keys.ml_pipeline(tenant_id, pipeline_name))
    if item is None or not scope.visible(item.company_id):
        raise NotFound(f"no pipeline {pipeline_name}")
    return item


def _iso(moment: datetime | None) -> str | None:
    return clock.iso(moment) if moment is not None else None


def view(item: PipelineItem) -> Pipeline:
    return Pipeline(
        id=item.id,
        pipeline_id=item.id,
        pipeline_name=item.pipeline_name,
        pipeline_type=item.pipeline_type,
        status=item.status,
        schedule=item.schedule,
        next_run_at=item.next_run_at,
        description=item.description,
        config=item.config or {},
        source_tables=item.source_tables or [],
        target_tables=item.target_tables or [],
        validation_rules=item.validation_rules or {},
        transformations=item.transformations or {},
        runs=int(item.runs or 0),
        last_run_id=item.last_run_id,
        last_run_at=item.last_run_at,
        last_run_status=item.last_run_status,
        company_id=item.company_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )
