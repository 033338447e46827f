"""Catalog items: models, task categories, model-task mappings (what each model did is chalicelib.model_stats')."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, UnicodeAttribute

from ..core import keys
from ..core.table import TableItem


class ModelItem(TableItem, discriminator="catalog_model"):
    model_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    is_active = BooleanAttribute(default=True)
    spec = JSONAttribute()  # the validated ModelPut fields
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    deprecated_at = UnicodeAttribute(null=True)


class CategoryItem(TableItem, discriminator="task_category"):
    category_key = UnicodeAttribute()
    spec = JSONAttribute()  # the validated TaskPut fields
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class MappingItem(TableItem, discriminator="model_task"):
    category_key = UnicodeAttribute()
    model_id = UnicodeAttribute()
    spec = JSONAttribute()  # the validated MappingPut fields
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


def catalog_items(tenant_id: str) -> list[TableItem]:
    """Every item of the tenant's catalog partition: models, task categories, mappings and what else lives there."""
    return list(TableItem.query(keys.catalog_partition(tenant_id)))
