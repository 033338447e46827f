"""The data pipelines' items (pipeline definitions, their runs, the latest data-quality figures) and every query of
them."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.expressions.condition import Condition

from ..core import keys, persist
from ..core.table import TableItem


class PipelineItem(TableItem, discriminator="ml_pipeline"):
    id = UnicodeAttribute()
    pipeline_name = UnicodeAttribute()
    pipeline_type = UnicodeAttribute()
    status = UnicodeAttribute()
    schedule = UnicodeAttribute(null=True)
    next_run_at = UnicodeAttribute(null=True)  # the schedule's next occurrence (pipelines/cron.py)
    description = UnicodeAttribute(null=True)
    config = JSONAttribute()
    source_tables = JSONAttribute()
    target_tables = JSONAttribute()
    validation_rules = JSONAttribute()
    transformations = JSONAttribute()
    runs = NumberAttribute(default=0)
    last_run_id = UnicodeAttribute(null=True)
    last_run_at = UnicodeAttribute(null=True)
    last_run_status = UnicodeAttribute(null=True)
    company_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class PipelineRunItem(TableItem, discriminator="ml_pipeline_run"):
    id = UnicodeAttribute()
    pipeline_id = UnicodeAttribute()
    pipeline_name = UnicodeAttribute()
    pipeline_type = UnicodeAttribute()
    status = UnicodeAttribute()
    records_processed = NumberAttribute()
    records_failed = NumberAttribute()
    records_skipped = NumberAttribute()
    metrics = JSONAttribute()
    logs = UnicodeAttribute()
    data_quality = JSONAttribute(null=True)
    violations_opened = NumberAttribute(default=0)
    input_size = NumberAttribute(null=True)  # bytes of the records read (their JSON)
    output_size = NumberAttribute(null=True)  # bytes of the valid records written on
    trigger = UnicodeAttribute(null=True)  # manual (POST .../runs) or schedule; older runs have none
    scheduled_for = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute()
    ended_at = UnicodeAttribute()
    duration_ms = NumberAttribute()


class DataQualityItem(TableItem, discriminator="ml_data_quality"):
    """The latest figure of one (table, column, quality metric); every run's figures stay on the run."""

    id = UnicodeAttribute()
    table_name = UnicodeAttribute()
    column_name = UnicodeAttribute()
    quality_metric = UnicodeAttribute()
    metric_value = NumberAttribute()
    threshold = NumberAttribute()
    status = UnicodeAttribute()
    records = NumberAttribute()
    issues = JSONAttribute(null=True)
    recommendations = JSONAttribute(null=True)
    pipeline_name = UnicodeAttribute(null=True)
    run_id = UnicodeAttribute(null=True)
    company_id = UnicodeAttribute(null=True)  # the company of the pipeline that measured it
    measured_at = UnicodeAttribute()


# --- queries -------------------------------------------------------------------------------------------------


def pipelines_page(
    tenant_id: str, condition: Condition | None, listing: str, limit: int, cursor: str | None
) -> tuple[list[PipelineItem], str | None]:
    """The pipelines by name; `condition` filters."""
    return persist.list_page(
        PipelineItem,
        keys.ml_pipelines(tenant_id),
        owner=tenant_id,
        listing=listing,
        limit=limit,
        cursor=cursor,
        range_condition=TableItem.sk.startswith(keys.ml_pipeline_prefix()),
        filter_condition=condition,
    )


def all_pipelines(tenant_id: str) -> list[PipelineItem]:
    """Every pipeline of the tenant, by name."""
    found = PipelineItem.query(keys.ml_pipelines(tenant_id), TableItem.sk.startswith(keys.ml_pipeline_prefix()))
    return [item for item in found if isinstance(item, PipelineItem)]


def company_pipelines(tenant_id: str, pipeline_name: str) -> list[PipelineItem]:
    """Every company's pipeline of that name (the keys `PIPELINE#<name>@<company>`)."""
    prefix = keys.ml_pipeline(tenant_id, pipeline_name, "").sk
    found = PipelineItem.query(keys.ml_pipelines(tenant_id), PipelineItem.sk.startswith(prefix), consistent_read=True)
    return [item for item in found if isinstance(item, PipelineItem)]


def runs_page(
    tenant_id: str, pipeline_name: str, company_id: str | None, listing: str, limit: int, cursor: str | None
) -> tuple[list[PipelineRunItem], str | None]:
    """A pipeline's runs, newest first."""
    return persist.list_page(
        PipelineRunItem,
        keys.ml_pipeline_run_partition(tenant_id, pipeline_name, company_id),
        owner=tenant_id,
        listing=listing,
        limit=limit,
        cursor=cursor,
        forward=False,
    )


def quality_page(
    tenant_id: str, table: str | None, condition: Condition | None, listing: str, limit: int, cursor: str | None
) -> tuple[list[DataQualityItem], str | None]:
    """The latest data-quality figures, by (table, column, metric): every table's, or one table's."""
    return persist.list_page(
        DataQualityItem,
        keys.data_quality_partition(tenant_id),
        owner=tenant_id,
        listing=listing,
        limit=limit,
        cursor=cursor,
        range_condition=TableItem.sk.startswith(keys.data_quality_table_prefix(table)) if table else None,
        filter_condition=condition,
    )
