"""Prompt use cases: versions, the latest of each, rendering, and seed 000's default templates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import clock, keys, persist, storage
from ..core.schemas import ListQuery, Page
from . import templates
from .schemas import Prompt, PromptPut, Rendered
from .store import PromptHead, PromptVersion, heads_page

# Seed 000's default templates, version 1 for every tenant.
DEFAULT_PROMPTS = {
    "bouquet-basic": ("Create a beautiful {style} bouquet with {flowers} in {colors} colors for {occasion}", "bouquet"),
    "arrangement-modern": (
        "Design a {style} floral arrangement featuring {flowers} with {colors} color palette in a {container} container",
        "arrangement",
    ),
    "style-specific": (
        "Generate a {style} floral design with {flowers} arranged in {arrangement} style using {colors} colors",
        "style",
    ),
}


def tenant_seed_ops(tenant_id: str, now: str) -> list[storage.Op]:
    ops: list[storage.Op] = []
    for name, (template, category) in DEFAULT_PROMPTS.items():
        head, version = _items(tenant_id, name, 1, PromptPut(template=template, category=category, description=None), now)
        ops += [storage.Put(head), storage.Put(version)]
    return ops


def put_prompt(tenant_id: str, name: str, body: PromptPut) -> Prompt:
    """A new version of `name` (1 for a new prompt)."""
    templates.variables_of(body.template)  # 422 before anything is written

    def attempt() -> PromptVersion:
        head = persist.find(PromptHead, keys.prompt_head(tenant_id, name))
        number = int(head.latest) + 1 if head else 1
        now = clock.iso(clock.now())
        new_head, version = _items(tenant_id, name, number, body, now)
        head_condition = PromptHead.pk.does_not_exist() if head is None else PromptHead.latest == head.latest
        storage.commit([storage.Put(version, PromptVersion.pk.does_not_exist()), storage.Put(new_head, head_condition)])
        return version

    return _view(persist.retrying(attempt, what="saving the prompt"))


def list_prompts(tenant_id: str, query: ListQuery) -> Page[Prompt]:
    """The latest version of each template, by name: the heads' keys sort by name, so one paged Query."""
    heads, cursor = heads_page(tenant_id, query.limit, query.cursor)
    items = [
        Prompt.of(h, id=h.name, version=int(h.latest), variables=list(h.variables or []), created_at=h.updated_at) for h in heads
    ]
    return Page[Prompt](items=items, next_cursor=cursor)


def get_prompt(tenant_id: str, name: str, version: int | None = None) -> Prompt:
    if version is None:
        version = int(persist.load(PromptHead, keys.prompt_head(tenant_id, name), f"no prompt {name}").latest)
    key = keys.prompt_version(tenant_id, name, version)
    return _view(persist.load(PromptVersion, key, f"no version {version} of prompt {name}"))


def render(tenant_id: str, name: str, values: Mapping[str, Any], version: int | None = None) -> Rendered:
    prompt = get_prompt(tenant_id, name, version)
    return Rendered(text=templates.render(prompt.template, values), version=prompt.version, name=name)


def _items(tenant_id: str, name: str, number: int, body: PromptPut, now: str) -> tuple[PromptHead, PromptVersion]:
    variables = templates.variables_of(body.template)
    head_key, version_key = keys.prompt_head(tenant_id, name), keys.prompt_version(tenant_id, name, number)
    head = PromptHead(
        head_key.pk,
        head_key.sk,
        name=name,
        latest=number,
        template=body.template,
        variables=variables,
        category=body.category,
        description=body.description,
        updated_at=now,
    )
    version = PromptVersion(
        version_key.pk,
        version_key.sk,
        name=name,
        number=number,
        template=body.template,
        variables=variables,
        category=body.category,
        description=body.description,
        created_at=now,
    )
    return head, version


def _view(item: PromptVersion) -> Prompt:
    return Prompt.of(item, id=item.name, version=int(item.number), variables=list(item.variables or []))
