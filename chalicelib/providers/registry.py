"""The one way to reach a provider by name."""

from __future__ import annotations

from ..core import faults
from ..core.settings import get_settings
from .base import Provider, ProviderError
from .local import LocalProvider

_local = LocalProvider()


def provider_for(name: str) -> Provider:
    """The provider called `name`, behind the injected failures when `LEARNLOOP_CHAOS` is set."""
    if get_settings().chaos:
        return faults.wrap(_provider(name))  # type: ignore[no-any-return]
    return _provider(name)


def _provider(name: str) -> Provider:
    if name == "local":
        return _local
    settings = get_settings().provider(name)
    if settings is None:
        raise ProviderError("unavailable", f"provider {name} has no credentials configured")
    from .openai_compat import OpenAICompatibleProvider

    return OpenAICompatibleProvider(name, settings)
