"""The data pipelines' items: pipeline definitions, their runs, and the latest data-quality figures."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

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
