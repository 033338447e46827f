"""The platform operator's settings: requests per minute (a default and a ceiling), providers and prices on the
platform's keys, the failed-authentication limit.

One item (`PLATFORM#SETTINGS`), written only with the root key. Every Lambda reads it at most once per
`CACHE_SECONDS` (a write refreshes the writer's copy at once), so a change reaches every Lambda within that time.

A model "runs on the platform's keys" when its provider is not the offline `local` one: tenants have no provider
keys of their own here (the providers' keys are the platform's settings, `LEARNLOOP_PROVIDERS`), so the operator's
price list is the floor of every such model, and `allowed_providers` decides which of them a tenant may call.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ..core import clock, keys, storage
from ..core.errors import ValidationFailed
from .schemas import ModelPrice, PlatformSettings, PlatformSettingsPut
from .store import PlatformSettingsItem

CACHE_SECONDS = 10.0
PRICE_FIELDS = ("cost_per_1k_input", "cost_per_1k_output", "cost_per_request", "cost_per_1k_training")
# Providers that run on no key of the platform's (the offline models).
KEYLESS_PROVIDERS = frozenset({"local"})

_cache: tuple[float, PlatformSettings] | None = None
_lock = threading.Lock()


def current() -> PlatformSettings:
    """The settings in force (defaults until the operator writes them), cached for `CACHE_SECONDS`."""
    global _cache
    with _lock:
        cached = _cache
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    item = storage.get(PlatformSettingsItem, keys.platform_settings(), consistent=False)
    settings = _view(item)
    with _lock:
        _cache = (time.monotonic(), settings)
    return settings


def forget() -> None:
    """Drop this process's copy (the next read goes to the table)."""
    global _cache
    with _lock:
        _cache = None


def put(data: PlatformSettingsPut) -> PlatformSettings:
    global _cache
    key = keys.platform_settings()
    item = PlatformSettingsItem(key.pk, key.sk, settings=data.model_dump(mode="json"), updated_at=clock.iso(clock.now()))
    item.save()
    settings = _view(item)
    with _lock:
        _cache = (time.monotonic(), settings)
    return settings


def _view(item: PlatformSettingsItem | None) -> PlatformSettings:
    if item is None:
        return PlatformSettings()
    return PlatformSettings(**PlatformSettingsPut.model_validate(item.settings).model_dump(), updated_at=item.updated_at)


# --- what the settings decide ------------------------------------------------------------------------


def requests_per_minute(own: int | None) -> int | None:
    """A tenant's limit in force: its own, else the platform's default; never above the ceiling (None: unlimited)."""
    settings = current()
    limit = own if own is not None else settings.default_requests_per_minute
    ceiling = settings.max_requests_per_minute
    if ceiling is not None:
        limit = ceiling if limit is None else min(limit, ceiling)
    return limit


def check_requests_per_minute(requested: int | None) -> None:
    """422 naming the field when a tenant asks for more requests per minute than the ceiling."""
    ceiling = current().max_requests_per_minute
    if requested is not None and ceiling is not None and requested > ceiling:
        raise ValidationFailed.field(
            "body.requests_per_minute", f"must be at most {ceiling}, the platform's ceiling", "above_ceiling"
        )


def on_platform_keys(provider: str) -> bool:
    return provider not in KEYLESS_PROVIDERS


def provider_allowed(provider: str) -> bool:
    """Whether tenants may call `provider` on the platform's keys."""
    allowed = current().allowed_providers
    return not on_platform_keys(provider) or allowed is None or provider in allowed


def price_floor(model_id: str) -> ModelPrice | None:
    """The platform's price of a model: its own entry, or for a fine-tuned `<provider>:ft:<base>:...` its base's."""
    provider, _, name = model_id.partition(":")
    if not on_platform_keys(provider):
        return None
    prices = current().prices
    if model_id in prices:
        return prices[model_id]
    if name.startswith("ft:"):
        return prices.get(f"{provider}:{name.split(':')[1]}")
    return None


def check_prices(model_id: str, prices: dict[str, Any]) -> None:
    """422 naming the first price below the platform's list."""
    floor = price_floor(model_id)
    if floor is None:
        return
    for name in PRICE_FIELDS:
        least = getattr(floor, name)
        if float(prices.get(name) or 0.0) < least:
            raise ValidationFailed.field(
                f"body.{name}", f"must be at least {least:g}, the platform's price of {model_id}", "below_platform_price"
            )


def with_floor(model_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A model's fields with every price raised to the platform's, if it is lower (a price stored before the list)."""
    floor = price_floor(model_id)
    if floor is None:
        return spec
    raised = {name: max(float(spec.get(name) or 0.0), getattr(floor, name)) for name in PRICE_FIELDS}
    return {**spec, **raised}
