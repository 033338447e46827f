"""The one way to reach a provider by name."""

from __future__ import annotations

from ..core.settings import get_settings
from .base import Provider, ProviderError
from .local import LocalProvider

_local = LocalProvider()


def provider_for(name: str) -> Provider:
    if name == "local":
        return _local
    settings = get_settings().provider(name)
    if settings is None:
        raise ProviderError("unavailable", f"provider {name} has no credentials configured")
    from .openai_compat import OpenAICompatibleProvider

    return OpenAICompatibleProvider(name, settings)
