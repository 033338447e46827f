"""Catalog use cases: the default catalog of new tenants, models, task categories and mappings."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..core import clock, keys, pagination, persist, storage
from ..core.errors import NotFound, ValidationFailed
from ..core.schemas import ListQuery, Page
from ..core.settings import get_settings
from ..core.table import TableItem
from ..model_stats import service as model_stats
from ..model_stats.evidence import Evidence
from ..tenancy import platform
from .defaults import DEFAULT_MAPPINGS, DEFAULT_MODELS, DEFAULT_TASKS
from .schemas import Mapping, MappingPut, Model, ModelPut, ModelQuery, TaskCategory, TaskPut
from .store import CategoryItem, MappingItem, ModelItem, catalog_items

MODEL_ID = re.compile(r"^([a-z][a-z0-9_\-]{0,39}):[A-Za-z0-9][A-Za-z0-9_\-.:/@]{0,199}$")
CATEGORY_KEY = re.compile(r"^[a-z0-9][a-z0-9_\-.:]{0,99}$")


@dataclass
class Catalog:
    """A tenant's catalog as routing reads it."""

    models: dict[str, ModelItem] = field(default_factory=dict)
    categories: dict[str, CategoryItem] = field(default_factory=dict)
    mappings: dict[tuple[str, str], MappingItem] = field(default_factory=dict)
    # Seed 002's derived figures of each (category, model), written by aggregate-metrics.
    mapping_stats: dict[tuple[str, str], model_stats.MappingFigures] = field(default_factory=dict)

    def model(self, model_id: str) -> ModelPut:
        """The model as routing and billing price it: no price below the platform's list."""
        return ModelPut.model_validate(platform.with_floor(model_id, self.models[model_id].spec))

    def category(self, category_key: str) -> TaskPut:
        return TaskPut.model_validate(self.categories[category_key].spec)

    def mapping(self, category_key: str, model_id: str) -> MappingPut | None:
        item = self.mappings.get((category_key, model_id))
        return MappingPut.model_validate(item.spec) if item else None


_cache: dict[str, tuple[float, Catalog]] = {}
_cache_lock = threading.Lock()


def tenant_seed_ops(tenant_id: str, now: str) -> list[storage.Op]:
    """The default catalog, written in the new tenant's creation transaction."""
    ops: list[storage.Op] = []
    for spec in DEFAULT_MODELS:
        model = ModelPut.model_validate({k: v for k, v in spec.items() if k != "model_id"})
        ops.append(storage.Put(_model_item(tenant_id, spec["model_id"], model, now, now)))
    for spec in DEFAULT_TASKS:
        task = TaskPut.model_validate({k: v for k, v in spec.items() if k != "category_key"})
        ops.append(storage.Put(_category_item(tenant_id, spec["category_key"], task, now, now)))
    for spec in DEFAULT_MAPPINGS:
        mapping = MappingPut.model_validate({k: v for k, v in spec.items() if k not in ("category_key", "model_id")})
        ops.append(storage.Put(_mapping_item(tenant_id, spec["category_key"], spec["model_id"], mapping, now, now)))
    return ops


def load(tenant_id: str, *, fresh: bool = False) -> Catalog:
    """The tenant's catalog in one Query, reused for `catalog_cache_seconds`."""
    ttl = get_settings().catalog_cache_seconds
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(tenant_id)
    if cached and not fresh and now - cached[0] < ttl:
        return cached[1]
    catalog = Catalog()
    others: list[TableItem] = []
    for item in catalog_items(tenant_id):
        if isinstance(item, ModelItem):
            catalog.models[item.model_id] = item
        elif isinstance(item, CategoryItem):
            catalog.categories[item.category_key] = item
        elif isinstance(item, MappingItem):
            catalog.mappings[(item.category_key, item.model_id)] = item
        else:
            others.append(item)
    catalog.mapping_stats = model_stats.mapping_figures_in(others)
    with _cache_lock:
        _cache[tenant_id] = (now, catalog)
    return catalog


def forget(tenant_id: str) -> None:
    with _cache_lock:
        _cache.pop(tenant_id, None)


def is_available(provider: str) -> bool:
    """Whether the provider can be called here: offline, or configured with a key and allowed by the platform."""
    return provider == "local" or (get_settings().provider(provider) is not None and platform.provider_allowed(provider))


# --- models ------------------------------------------------------------------------------------


def list_models(tenant_id: str, query: ModelQuery) -> Page[Model]:
    items = [
        _model_view(item)
        for item in load(tenant_id, fresh=True).models.values()
        if (query.provider is None or item.provider == query.provider)
        and (query.active is None or bool(item.is_active) == query.active)
        and (query.capability is None or query.capability in item.spec.get("capabilities", []))
    ]
    items.sort(key=lambda m: (m.provider, m.model_id))
    found, cursor = pagination.in_order(tenant_id, "models", items, query.limit, query.cursor, lambda m: m.model_id)
    return Page[Model](items=found, next_cursor=cursor)


def get_model(tenant_id: str, model_id: str) -> Model:
    return _model_view(persist.load(ModelItem, keys.catalog_model(tenant_id, model_id), f"no model {model_id} in the catalog"))


def put_model(tenant_id: str, model_id: str, body: ModelPut) -> tuple[Model, bool]:
    match = MODEL_ID.match(model_id)
    if not match:
        raise ValidationFailed.field("path.model_id", "must read <provider>:<model name>", "pattern")
    if match.group(1) != body.provider:
        raise ValidationFailed.field(
            "body.provider", f"must be {match.group(1)}, the prefix of the model id", "provider_mismatch"
        )
    platform.check_prices(model_id, body.model_dump())
    now = clock.iso(clock.now())
    existing = persist.find(ModelItem, keys.catalog_model(tenant_id, model_id))
    item = _model_item(tenant_id, model_id, body, existing.created_at if existing else now, now)
    if not body.is_active:
        item.deprecated_at = (existing.deprecated_at if existing else None) or now
    item.save()
    forget(tenant_id)
    return _model_view(item), existing is None


def deprecate_model(tenant_id: str, model_id: str) -> None:
    key = keys.catalog_model(tenant_id, model_id)
    item = persist.load(ModelItem, key, f"no model {model_id} in the catalog")
    now = clock.iso(clock.now())
    spec = {**item.spec, "is_active": False}
    item.update(
        actions=[
            ModelItem.is_active.set(False),
            ModelItem.spec.set(spec),
            ModelItem.deprecated_at.set(item.deprecated_at or now),
            ModelItem.updated_at.set(now),
        ],
        add_version_condition=False,
    )
    forget(tenant_id)


# --- task categories ---------------------------------------------------------------------------


def list_tasks(tenant_id: str, query: ListQuery) -> Page[TaskCategory]:
    categories = load(tenant_id, fresh=True).categories.values()
    items = sorted((_task_view(item) for item in categories), key=lambda t: t.category_key)
    found, cursor = pagination.in_order(tenant_id, "tasks", items, query.limit, query.cursor, lambda t: t.category_key)
    return Page[TaskCategory](items=found, next_cursor=cursor)


def get_task(tenant_id: str, category_key: str) -> TaskCategory:
    item = load(tenant_id).categories.get(category_key) or storage.get(
        CategoryItem, keys.catalog_category(tenant_id, category_key)
    )
    if item is None:
        raise NotFound(f"no task category {category_key}")
    return _task_view(item)


def put_task(tenant_id: str, category_key: str, body: TaskPut) -> tuple[TaskCategory, bool]:
    if not CATEGORY_KEY.match(category_key):
        raise ValidationFailed.field("path.category_key", "must be lower-case letters, digits, _ - . :", "pattern")
    now = clock.iso(clock.now())
    existing = storage.get(CategoryItem, keys.catalog_category(tenant_id, category_key))
    item = _category_item(tenant_id, category_key, body, existing.created_at if existing else now, now)
    item.save()
    forget(tenant_id)
    return _task_view(item), existing is None


# --- mappings ----------------------------------------------------------------------------------


def put_mapping(tenant_id: str, category_key: str, model_id: str, body: MappingPut) -> tuple[Mapping, bool]:
    found = storage.get_many(
        [
            keys.catalog_category(tenant_id, category_key),
            keys.catalog_model(tenant_id, model_id),
            keys.catalog_mapping(tenant_id, category_key, model_id),
        ]
    )
    if keys.catalog_category(tenant_id, category_key) not in found:
        raise NotFound(f"no task category {category_key}")
    if keys.catalog_model(tenant_id, model_id) not in found:
        raise NotFound(f"no model {model_id} in the catalog")
    existing = found.get(keys.catalog_mapping(tenant_id, category_key, model_id))
    now = clock.iso(clock.now())
    created_at = existing.created_at if isinstance(existing, MappingItem) else now
    item = _mapping_item(tenant_id, category_key, model_id, body, created_at, now)
    item.save()
    forget(tenant_id)
    evidence = model_stats.for_category(tenant_id, category_key).get(model_id, Evidence())
    derived = model_stats.mapping_figures_of(tenant_id, category_key, model_id)
    return _mapping_view(item, evidence, derived), existing is None


def list_mappings(tenant_id: str, category_key: str, query: ListQuery) -> Page[Mapping]:
    catalog = load(tenant_id, fresh=True)
    if category_key not in catalog.categories:
        raise NotFound(f"no task category {category_key}")
    evidence = model_stats.for_category(tenant_id, category_key)
    items = [
        _mapping_view(item, evidence.get(model_id, Evidence()), catalog.mapping_stats.get((category, model_id)))
        for (category, model_id), item in catalog.mappings.items()
        if category == category_key
    ]
    items.sort(key=lambda m: (-m.suitability_score, m.model_id))
    listing = f"mappings:{category_key}"
    found, cursor = pagination.in_order(tenant_id, listing, items, query.limit, query.cursor, lambda m: m.model_id)
    return Page[Mapping](items=found, next_cursor=cursor)


# --- items and views ---------------------------------------------------------------------------


def _model_item(tenant_id: str, model_id: str, body: ModelPut, created_at: str, now: str) -> ModelItem:
    key = keys.catalog_model(tenant_id, model_id)
    return ModelItem(
        key.pk,
        key.sk,
        model_id=model_id,
        provider=body.provider,
        is_active=body.is_active,
        spec=body.model_dump(mode="json"),
        created_at=created_at,
        updated_at=now,
    )


def _category_item(tenant_id: str, category_key: str, body: TaskPut, created_at: str, now: str) -> CategoryItem:
    key = keys.catalog_category(tenant_id, category_key)
    return CategoryItem(
        key.pk, key.sk, category_key=category_key, spec=body.model_dump(mode="json"), created_at=created_at, updated_at=now
    )


def _mapping_item(tenant_id: str, category_key: str, model_id: str, body: MappingPut, created_at: str, now: str) -> MappingItem:
    key = keys.catalog_mapping(tenant_id, category_key, model_id)
    return MappingItem(
        key.pk,
        key.sk,
        category_key=category_key,
        model_id=model_id,
        spec=body.model_dump(mode="json"),
        created_at=created_at,
        updated_at=now,
    )


def _model_view(item: ModelItem) -> Model:
    spec: dict[str, Any] = {**platform.with_floor(item.model_id, item.spec), "is_active": bool(item.is_active)}
    return Model(
        id=item.model_id,
        model_id=item.model_id,
        available=is_available(item.provider),
        created_at=item.created_at,
        updated_at=item.updated_at,
        deprecated_at=item.deprecated_at,
        **spec,
    )


def _task_view(item: CategoryItem) -> TaskCategory:
    return TaskCategory(
        id=item.category_key, category_key=item.category_key, created_at=item.created_at, updated_at=item.updated_at, **item.spec
    )


def _mapping_view(item: MappingItem, evidence: Evidence, derived: model_stats.MappingFigures | None = None) -> Mapping:
    quality = evidence.mean_quality
    scores = derived.figures if derived is not None else {}
    return Mapping(
        id=f"{item.category_key}/{item.model_id}",
        model_id=item.model_id,
        category_key=item.category_key,
        total_uses=int(evidence.requests),
        total_likes=int(evidence.likes),
        total_dislikes=int(evidence.dislikes),
        total_regenerates=int(evidence.regenerates),
        total_feedback=int(evidence.feedback),
        average_quality=1 + 4 * quality if quality is not None else None,
        success_rate=evidence.successes / evidence.rated if evidence.rated else None,
        error_rate=evidence.errors / evidence.attempts if evidence.attempts else None,
        average_speed_ms=evidence.mean_latency_ms,
        like_ratio=scores.get("like_ratio"),
        satisfaction_score=scores.get("satisfaction_score"),
        recommendation_score=scores.get("recommendation_score"),
        scores_as_of=derived.as_of if derived is not None else None,
        created_at=item.created_at,
        updated_at=item.updated_at,
        **item.spec,
    )
