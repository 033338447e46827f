"""Feature importance (seed: AIModelFeatureImportance): per model version and method, ranked."""

from __future__ import annotations

from ..core import clock, keys, storage
from ..core.ids import new_id
from ..core.schemas import ListQuery, Page
from . import models, store
from .schemas import FeatureImportance, FeatureImportanceSet, RankedFeature
from .store import ImportanceItem


def rank(features: list[tuple[str, float]]) -> list[RankedFeature]:
    """Most important first (by importance, descending; ties by name). Ties share a rank and the next rank
    skips as many places (1, 2, 2, 4), so a rank says how many features are more important."""
    ordered = sorted(features, key=lambda pair: (-pair[1], pair[0]))
    ranked: list[RankedFeature] = []
    for position, (name, importance) in enumerate(ordered, start=1):
        tied = ranked and ranked[-1].importance == importance
        ranked.append(RankedFeature(feature_name=name, importance=importance, rank=ranked[-1].rank if tied else position))
    return ranked


def set_importance(tenant_id: str, model_name: str, model_version: str, data: FeatureImportanceSet) -> FeatureImportance:
    """Replace the version's importance for one method."""
    model = models.load(tenant_id, model_name, model_version)
    key = keys.ml_importance(tenant_id, model_name, model_version, data.method, model.company_id)
    ranked = rank([(f.feature_name, f.importance) for f in data.features])
    item = ImportanceItem(
        key.pk,
        key.sk,
        id=new_id("fim"),
        model_id=model.id,
        model_name=model_name,
        model_version=model_version,
        method=data.method,
        features=[feature.model_dump() for feature in ranked],
        updated_at=clock.iso(clock.now()),
    )
    storage.commit([storage.Put(item)])  # the method's ranking replaced as a whole
    return view(item)


def list_importance(tenant_id: str, model_name: str, model_version: str, query: ListQuery) -> Page[FeatureImportance]:
    """Each method's ranking, by method."""
    model = models.load(tenant_id, model_name, model_version)
    listing = f"importance:{model.id}"
    found, cursor = store.importance_page(
        tenant_id, model_name, model_version, model.company_id, listing, query.limit, query.cursor
    )
    return Page[FeatureImportance](items=[view(item) for item in found], next_cursor=cursor)


def view(item: ImportanceItem) -> FeatureImportance:
    return FeatureImportance.of(item)
