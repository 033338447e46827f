"""Registry experiments (seed: AIExperiment): objective, hypothesis, baseline and current model, results."""

from __future__ import annotations

from ..companies import scope
from ..companies.schemas import CompanyListQuery
from ..core import clock, keys, persist, storage
from ..core.errors import Conflict, NotFound
from ..core.ids import new_id
from ..core.schemas import Page
from . import lifecycle, store
from .schemas import MlExperiment, MlExperimentCreate, MlExperimentPatch
from .store import MlExperimentItem


def create_experiment(tenant_id: str, data: MlExperimentCreate) -> MlExperiment:
    now = clock.iso(clock.now())
    company = scope.stamp(data.company_id)
    key = keys.ml_experiment(tenant_id, data.experiment_name, company)  # names are unique per company
    item = MlExperimentItem(
        key.pk,
        key.sk,
        id=new_id("mlx"),
        experiment_name=data.experiment_name,
        objective=data.objective,
        hypothesis=data.hypothesis,
        status="active",
        baseline_model=data.baseline_model,
        current_model=data.current_model,
        success_metrics=data.success_metrics,
        methodology=data.methodology,
        company_id=company,
        created_at=now,
        updated_at=now,
        version=1,
    )
    exists = Conflict(f"an experiment named {data.experiment_name} already exists", code="experiment_exists")
    persist.create(item, lambda: exists)
    return view(item)


def list_experiments(tenant_id: str, query: CompanyListQuery) -> Page[MlExperiment]:
    listing = f"registry-experiments:{query.company_id or ''}"
    condition = scope.condition(MlExperimentItem.company_id, query.company_id)
    found, cursor = store.experiments_page(tenant_id, condition, listing, query.limit, query.cursor)
    return Page[MlExperiment](items=[view(item) for item in found], next_cursor=cursor)


def patch_experiment(tenant_id: str, experiment_name: str, data: MlExperimentPatch) -> MlExperiment:
    def attempt() -> MlExperimentItem:
        item = _load(tenant_id, experiment_name)
        if data.status is not None:
            what = f"experiment {experiment_name}"
            lifecycle.check_move("experiment", lifecycle.EXPERIMENT_MOVES, item.status, data.status, what)
            item.status = data.status
        for name in ("current_model", "results", "conclusions"):
            if name in data.model_fields_set:
                setattr(item, name, getattr(data, name))
        item.updated_at = clock.iso(clock.now())
        storage.commit([persist.bump(item)])
        return item

    return view(persist.retrying(attempt, what="updating the experiment"))


def _load(tenant_id: str, experiment_name: str) -> MlExperimentItem:
    """The company's experiment of that name, or (a key of no company) the tenant-wide one, else the one company's."""
    company = scope.current()
    item = persist.find(MlExperimentItem, keys.ml_experiment(tenant_id, experiment_name, company))
    if item is None and company is None:
        item = scope.one_of(store.company_experiments(tenant_id, experiment_name), f"experiment {experiment_name}")
    elif item is None:  # one stored before names were per company
        item = persist.find(MlExperimentItem, keys.ml_experiment(tenant_id, experiment_name))
    if item is None or not scope.visible(item.company_id):
        raise NotFound(f"no registry experiment {experiment_name}")
    return item


def view(item: MlExperimentItem) -> MlExperiment:
    return MlExperiment.of(
        item, experiment_id=item.id, success_metrics=item.success_metrics or {}, methodology=item.methodology or {}
    )
