"""Model versions: registered, listed, their metrics recorded and their status moved along its life cycle."""

from __future__ import annotations

import re
from typing import Any, Protocol

from pynamodb.expressions.update import Action

from ..companies import scope
from ..core import clock, keys, persist, storage
from ..core.errors import Conflict, NotFound
from ..core.ids import new_id
from ..core.schemas import Page
from ..governance.checks import ModelRef
from . import lifecycle, store
from .labels import canonical_label
from .schemas import MlModel, ModelCreate, ModelListQuery, ModelPatch
from .store import RegisteredModelItem

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
MAX_HISTORY = 50


class Version(Protocol):
    """What the capabilities built on the registry (monitoring, pipelines, learning) read of a model version: an item
    this module loaded, or its view (`MlModel`)."""

    @property
    def id(self) -> str: ...
    @property
    def model_name(self) -> str: ...
    @property
    def model_version(self) -> str: ...
    @property
    def model_type(self) -> str: ...
    @property
    def algorithm(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def hyperparameters(self) -> Any: ...
    @property
    def experiment_id(self) -> str | None: ...
    @property
    def positive_label(self) -> Any: ...
    @property
    def feature_columns(self) -> list[str] | None: ...
    @property
    def segment_columns(self) -> list[str] | None: ...
    @property
    def target_column(self) -> str | None: ...
    @property
    def accuracy(self) -> float | None: ...
    @property
    def company_id(self) -> str | None: ...


def register_model(tenant_id: str, data: ModelCreate) -> MlModel:
    now = clock.iso(clock.now())
    model_id = new_id("mdl")
    company = scope.stamp(data.company_id)
    key = keys.ml_model(tenant_id, data.model_name, data.model_version, company)  # names are unique per company
    item = RegisteredModelItem(
        key.pk,
        key.sk,
        id=model_id,
        model_name=data.model_name,
        model_version=data.model_version,
        model_type=data.model_type,
        algorithm=data.algorithm,
        status="training",
        hyperparameters=data.hyperparameters,
        feature_columns=data.feature_columns,
        target_column=data.target_column,
        experiment_id=data.experiment_id,
        description=data.description,
        positive_label=canonical_label(data.positive_label) if data.positive_label is not None else None,
        segment_columns=data.segment_columns,
        company_id=company,
        running_runs=0,
        status_history=[_change(None, "training", now, "registered")],
        created_at=now,
        updated_at=now,
        version=1,
        gsi1pk=keys.ml_models(tenant_id),
        gsi1sk=keys.time_sort(now, model_id),
        gsi3pk=keys.ml_models_by_status(tenant_id, "training"),
        gsi3sk=keys.time_sort(now, model_id),
    )
    exists = Conflict(f"model {data.model_name} version {data.model_version} is already registered", code="model_version_exists")
    persist.create(item, lambda: exists)
    return view(item)


def get_model(tenant_id: str, model_name: str, model_version: str) -> MlModel:
    return view(load(tenant_id, model_name, model_version))


def list_models(tenant_id: str, query: ModelListQuery) -> Page[MlModel]:
    """Newest first; by status through GSI3, otherwise through GSI1; a model name filters either."""
    listing = f"models:{query.status or ''}:{query.model_name or ''}:{query.company_id or ''}"
    condition = RegisteredModelItem.model_name == query.model_name if query.model_name is not None else None
    condition = scope.condition(RegisteredModelItem.company_id, query.company_id, condition)
    found, cursor = store.versions_page(tenant_id, query.status, condition, listing, query.limit, query.cursor)
    return Page[MlModel](items=[view(item) for item in found], next_cursor=cursor)


def patch_model(tenant_id: str, model_name: str, model_version: str, data: ModelPatch) -> MlModel:
    """Record metrics and move the status; an illegal move is 409 and writes nothing."""

    def attempt() -> RegisteredModelItem:
        item = load(tenant_id, model_name, model_version)
        changes: dict[str, Any] = {}
        for name in ("accuracy", "precision", "recall", "f1_score", "description"):
            if name in data.model_fields_set:
                changes[name] = getattr(data, name)
        if data.status is not None and data.status != item.status:
            lifecycle.check_move("model", lifecycle.MODEL_MOVES, item.status, data.status, f"model {model_name} {model_version}")
            changes.update(status_changes(tenant_id, item, data.status, "changed by request"))
        commit_changes(item, changes)
        return item

    return view(persist.retrying(attempt, what="updating the model"))


def status_changes(tenant_id: str, item: RegisteredModelItem, target: str, reason: str) -> dict[str, Any]:
    """The attributes a status move sets: the status, its GSI3 partition and the history."""
    now = clock.iso(clock.now())
    history = [*(item.status_history or []), _change(item.status, target, now, reason)][-MAX_HISTORY:]
    return {"status": target, "gsi3pk": keys.ml_models_by_status(tenant_id, target), "status_history": history}


def update_op(item: RegisteredModelItem, changes: dict[str, Any], *, extra: list[Action] | None = None) -> storage.Update:
    """SET `changes` (and `updated_at`) and bump the version, on condition nobody changed the item meanwhile."""
    return persist.changed(item, {**changes, "updated_at": clock.iso(clock.now())}, actions=extra or [])


def commit_changes(item: RegisteredModelItem, changes: dict[str, Any]) -> None:
    if changes:
        storage.commit([update_op(item, changes)])


def load(tenant_id: str, model_name: str, model_version: str, *, model_id: str | None = None) -> RegisteredModelItem:
    """The version, or 404 (also for names and versions that cannot exist). A company-scoped request names its
    company's version; one of no company the tenant-wide version, else the one company version of that name (409
    when several companies have it). `model_id`, from an item that refers to the version, picks it exactly."""
    item = (
        _find(tenant_id, model_name, model_version, model_id)
        if _NAME.match(model_name) and _VERSION.match(model_version)
        else None
    )
    if item is None or not scope.visible(item.company_id) or (model_id is not None and item.id != model_id):
        raise NotFound(f"no model {model_name} version {model_version}")
    return item


def _find(tenant_id: str, model_name: str, model_version: str, model_id: str | None) -> RegisteredModelItem | None:
    company = scope.current()
    if company is not None:
        own = persist.find(RegisteredModelItem, keys.ml_model(tenant_id, model_name, model_version, company))
        if own is not None:
            return own
        # one stored before names were per company
        legacy = persist.find(RegisteredModelItem, keys.ml_model(tenant_id, model_name, model_version))
        return legacy if legacy is not None and legacy.company_id == company else None
    shared = persist.find(RegisteredModelItem, keys.ml_model(tenant_id, model_name, model_version))
    if shared is not None and (model_id is None or shared.id == model_id):
        return shared
    found = store.company_versions(tenant_id, model_name, model_version)
    candidates = [m for m in found if model_id is None or m.id == model_id]
    return scope.one_of(candidates, f"model {model_name} {model_version}")


def iter_models(tenant_id: str) -> list[RegisteredModelItem]:
    """Every version of the tenant (GSI1), for the scheduled monitoring."""
    return store.all_versions(tenant_id)


def of_company(tenant_id: str, company_id: str) -> list[RegisteredModelItem]:
    """Every version of one company (GSI1, filtered), whatever company the request is bound to: the caller checks."""
    return store.all_versions(tenant_id, company_id)


def versions(tenant_id: str) -> list[MlModel]:
    """Every version of the tenant, as views (whatever their company: the caller filters)."""
    return [view(item) for item in iter_models(tenant_id)]


def ref(item: Version) -> ModelRef:
    return ModelRef(item.id, item.model_name, item.model_version)


def _change(before: str | None, after: str, at: str, reason: str) -> dict[str, Any]:
    return {"from_status": before, "to_status": after, "at": at, "reason": reason}


def view(item: RegisteredModelItem) -> MlModel:
    return MlModel.of(
        item,
        model_id=item.id,
        hyperparameters=item.hyperparameters or {},
        feature_columns=item.feature_columns or [],
        segment_columns=item.segment_columns or [],
        running_runs=int(item.running_runs or 0),
        status_history=item.status_history or [],
    )
