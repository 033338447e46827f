"""Versioned configuration: every change is a new version made active, with history, diff and rollback.

A type's head item holds the active and the latest version numbers; a change writes the new version and moves the
head in one transaction conditioned on the head's version (optimistic concurrency: a writer that read an older
head, or whose `expected_version` is not the latest, gets 409 and writes nothing). A rollback makes an old
version's data active again as a new version, so the history only grows.

What reads it: the behaviour (`behavior`) is read by feedback processing (chalicelib/learning/feedback.py: manual
or automatic, the correction confidence floor, low-impact feedback) and by retraining (how many days of data); the
categories are the label set of the tenant's classification models (registry predictions, ground truths and
corrections name one of their keys); the prompts are templates a generation may name (`prompt_name`) beside the
stored prompt templates; the industry's default categories are in force until the tenant sets its own.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..core import clock, keys, persist, storage
from ..core.errors import Conflict, NotFound, ValidationFailed
from ..core.schemas import ListQuery, Page
from .defaults import INDUSTRY_CATEGORIES
from .schemas import SCHEMAS, AiConfig, BehaviorConfig, CategoriesConfig, ConfigChange, ConfigDiff, ConfigPut, ConfigRollback
from .store import ConfigHeadItem, ConfigVersionItem, versions_page


def put_config(tenant_id: str, config_type: str, data: ConfigPut, by: str | None) -> AiConfig:
    checked = _checked(config_type, data.config_data)
    return _write(tenant_id, config_type, checked, data.expected_version, data.comment, by, None)


def rollback(tenant_id: str, config_type: str, data: ConfigRollback, by: str | None) -> AiConfig:
    old = _version(tenant_id, config_type, data.version)
    comment = data.comment or f"rolled back to version {data.version}"
    return _write(tenant_id, config_type, old.config_data, data.expected_version, comment, by, data.version)


def get_active(tenant_id: str, config_type: str) -> AiConfig:
    _known(config_type)
    head = persist.find(ConfigHeadItem, keys.ai_config_head(tenant_id, config_type))
    if head is None:
        seeded = _industry_categories(tenant_id) if config_type == "categories" else None
        if seeded is not None:  # the industry's categories are in force until the tenant sets its own
            industry, categories = seeded
            return AiConfig(
                id=f"{config_type}:0",
                config_type=config_type,
                version=0,
                config_data=CategoriesConfig.model_validate({"categories": categories}).model_dump(mode="json"),
                is_active=True,
                comment=f"defaults of the {industry} industry",
                created_at=clock.iso(clock.now()),
            )
        if config_type == "behavior":  # the defaults are in force until the tenant sets its own
            return AiConfig(
                id=f"{config_type}:0",
                config_type=config_type,
                version=0,
                config_data=BehaviorConfig().model_dump(mode="json"),
                is_active=True,
                comment="defaults",
                created_at=clock.iso(clock.now()),
            )
        raise NotFound(f"no {config_type} configuration yet: PUT /v1/config/{config_type} sets one")
    return _view(_version(tenant_id, config_type, int(head.active_number)), int(head.active_number))


def get_version(tenant_id: str, config_type: str, number: int) -> AiConfig:
    head = persist.find(ConfigHeadItem, keys.ai_config_head(tenant_id, config_type))
    active = int(head.active_number) if head is not None else None
    return _view(_version(tenant_id, config_type, number), active)


def list_versions(tenant_id: str, config_type: str, query: ListQuery) -> Page[AiConfig]:
    """The history, newest first."""
    _known(config_type)
    head = persist.find(ConfigHeadItem, keys.ai_config_head(tenant_id, config_type))
    active = int(head.active_number) if head is not None else None
    found, cursor = versions_page(tenant_id, config_type, query.limit, query.cursor)
    return Page[AiConfig](items=[_view(item, active) for item in found], next_cursor=cursor)


def diff(tenant_id: str, config_type: str, first: int | None, second: int | None) -> ConfigDiff:
    """Every path whose value differs between two versions (lists compared as wholes); by default the active version
    against the one before it."""
    if second is None:
        second = get_active(tenant_id, config_type).version
    if first is None:
        first = max(1, second - 1)
    before = _flat(_version(tenant_id, config_type, first).config_data)
    after = _flat(_version(tenant_id, config_type, second).config_data)
    changes = []
    for path in sorted(set(before) | set(after)):
        if path not in after:
            changes.append(ConfigChange(path=path, change="removed", before=before[path]))
        elif path not in before:
            changes.append(ConfigChange(path=path, change="added", after=after[path]))
        elif before[path] != after[path]:
            changes.append(ConfigChange(path=path, change="changed", before=before[path], after=after[path]))
    return ConfigDiff(config_type=config_type, from_version=first, to_version=second, changes=changes)


def behavior(tenant_id: str) -> BehaviorConfig:
    """The behaviour in force: the active version's, or the defaults."""
    data = get_active(tenant_id, "behavior").config_data
    return BehaviorConfig.model_validate(data, strict=False)


def categories_for(tenant_id: str, model_name: str, model_type: str) -> tuple[list[str], int] | None:
    """The category keys a classification model's labels must be (with the configuration's version), or None when
    no categories are in force for it."""
    if model_type != "classification":
        return None
    try:
        active = get_active(tenant_id, "categories")
    except NotFound:
        return None
    config = CategoriesConfig.model_validate(active.config_data, strict=False)
    if config.model_names and model_name not in config.model_names:
        return None
    return [entry.key for entry in config.categories], active.version


def check_category(tenant_id: str, model_name: str, model_type: str, label: str, field: str) -> None:
    """422 on `field` when a label is not a category in force for the model."""
    found = categories_for(tenant_id, model_name, model_type)
    if found is not None and label not in found[0]:
        known, version = found
        shown = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
        raise ValidationFailed.field(
            field, f"{label!r} is not a category of the active categories configuration (version {version}): {shown}"
        )


def render_prompt(tenant_id: str, name: str, variables: dict[str, Any]) -> tuple[str, int] | None:
    """The active prompts configuration's template `name` rendered with `variables`, and its version; None without one."""
    from ..prompts import templates  # deferred: cold start (loads when a generation names a configured prompt)

    head = persist.find(ConfigHeadItem, keys.ai_config_head(tenant_id, "prompts"))
    if head is None:
        return None
    active = _version(tenant_id, "prompts", int(head.active_number))
    entry = (active.config_data.get("prompts") or {}).get(name)
    if not isinstance(entry, dict) or not isinstance(entry.get("template"), str):
        return None
    return templates.render(entry["template"], variables), int(active.number)


def _industry_categories(tenant_id: str) -> tuple[str, list[dict[str, Any]]] | None:
    head = persist.find(ConfigHeadItem, keys.ai_config_head(tenant_id, "industry"))
    if head is None:
        return None
    industry = str(_version(tenant_id, "industry", int(head.active_number)).config_data.get("industry", "")).lower()
    categories = INDUSTRY_CATEGORIES.get(industry)
    return (industry, categories) if categories is not None else None


def _write(
    tenant_id: str,
    config_type: str,
    data: dict[str, Any],
    expected: int | None,
    comment: str | None,
    by: str | None,
    rolled_back_from: int | None,
) -> AiConfig:
    def attempt() -> ConfigVersionItem:
        head_key = keys.ai_config_head(tenant_id, config_type)
        head = persist.find(ConfigHeadItem, head_key)
        latest = int(head.latest_number) if head is not None else 0
        if expected is not None and expected != latest:
            raise Conflict(
                f"the {config_type} configuration is at version {latest}, not {expected}: read it again and retry",
                code="version_conflict",
                details=[{"field": "body.expected_version", "expected": expected, "latest": latest}],
            )
        now = clock.iso(clock.now())
        number = latest + 1
        key = keys.ai_config_version(tenant_id, config_type, number)
        item = ConfigVersionItem(
            key.pk,
            key.sk,
            id=f"{config_type}:{number}",
            config_type=config_type,
            number=number,
            config_data=data,
            comment=comment,
            rolled_back_from=rolled_back_from,
            created_by=by,
            created_at=now,
        )
        new_head = ConfigHeadItem(
            head_key.pk, head_key.sk, config_type=config_type, active_number=number, latest_number=number, updated_at=now
        )
        storage.commit([storage.Put(item, ConfigVersionItem.pk.does_not_exist()), persist.replacing(new_head, head)])
        return item

    written = persist.retrying(attempt, what=f"writing the {config_type} configuration")
    return _view(written, int(written.number))


def _checked(config_type: str, data: dict[str, Any]) -> dict[str, Any]:
    schema = SCHEMAS[_known(config_type)]
    try:
        return schema.model_validate(data, strict=False).model_dump(mode="json")
    except ValidationError as exc:
        details = [
            {"field": ".".join(["body", "config_data", *map(str, error["loc"])]), "message": error["msg"], "type": error["type"]}
            for error in exc.errors()
        ]
        raise ValidationFailed(f"config_data is not a valid {config_type} configuration", details=details) from None


def _known(config_type: str) -> str:
    if config_type not in SCHEMAS:
        raise NotFound(f"no configuration type {config_type}; the types are {', '.join(SCHEMAS)}")
    return config_type


def _version(tenant_id: str, config_type: str, number: int) -> ConfigVersionItem:
    _known(config_type)
    key = keys.ai_config_version(tenant_id, config_type, number)
    return persist.load(ConfigVersionItem, key, f"no version {number} of the {config_type} configuration")


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict) and data:
        flat: dict[str, Any] = {}
        for key, value in data.items():
            flat.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: data}


def _view(item: ConfigVersionItem, active: int | None) -> AiConfig:
    return AiConfig.of(
        item,
        version=int(item.number),
        is_active=active == int(item.number),
        rolled_back_from=int(item.rolled_back_from) if item.rolled_back_from is not None else None,
    )
