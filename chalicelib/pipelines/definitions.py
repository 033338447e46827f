"""Data pipeline definitions (seed: AIDataPipeline): what they read, check and write; names unique per company
(tenant-wide pipelines: per tenant)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ..companies import scope
from ..companies.schemas import CompanyListQuery
from ..core import clock, keys, persist, storage
from ..core.errors import Conflict, NotFound, ValidationFailed
from ..core.ids import new_id
from ..core.schemas import Page
from ..registry import lifecycle
from . import cron, store
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
    persist.create(item, lambda: exists)
    return view(item)


def list_pipelines(tenant_id: str, query: CompanyListQuery) -> Page[Pipeline]:
    listing = f"pipelines:{query.company_id or ''}"
    condition = scope.condition(PipelineItem.company_id, query.company_id)
    found, cursor = store.pipelines_page(tenant_id, condition, listing, query.limit, query.cursor)
    return Page[Pipeline](items=[view(item) for item in found], next_cursor=cursor)


def iter_pipelines(tenant_id: str) -> list[PipelineItem]:
    """Every pipeline of the tenant, by name."""
    return store.all_pipelines(tenant_id)


def patch_pipeline(tenant_id: str, pipeline_name: str, data: PipelinePatch) -> Pipeline:
    def attempt() -> PipelineItem:
        item = load(tenant_id, pipeline_name)
        lifecycle.check_move("pipeline", MOVES, item.status, data.status, f"pipeline {pipeline_name}")
        item.status, item.updated_at = data.status, clock.iso(clock.now())
        storage.commit([persist.bump(item)])
        return item

    return view(persist.retrying(attempt, what="updating the pipeline"))


def load(tenant_id: str, pipeline_name: str) -> PipelineItem:
    """The company's pipeline of that name, or (a key of no company) the tenant-wide one, else the one company's."""
    company = scope.current()
    item = persist.find(PipelineItem, keys.ml_pipeline(tenant_id, pipeline_name, company))
    if item is None and company is None:
        item = scope.one_of(store.company_pipelines(tenant_id, pipeline_name), f"pipeline {pipeline_name}")
    elif item is None:  # one stored before names were per company
        item = persist.find(PipelineItem, keys.ml_pipeline(tenant_id, pipeline_name))
    if item is None or not scope.visible(item.company_id):
        raise NotFound(f"no pipeline {pipeline_name}")
    return item


def _iso(moment: datetime | None) -> str | None:
    return clock.iso(moment) if moment is not None else None


def view(item: PipelineItem) -> Pipeline:
    return Pipeline.of(
        item,
        pipeline_id=item.id,
        config=item.config or {},
        source_tables=item.source_tables or [],
        target_tables=item.target_tables or [],
        validation_rules=item.validation_rules or {},
        transformations=item.transformations or {},
        runs=int(item.runs or 0),
    )
