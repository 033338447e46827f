"""The one way to reach a provider by name, and the observers of every call made through it."""

from __future__ import annotations

from collections.abc import Callable

from ..core.settings import get_settings
from . import faulty
from .base import Completion, CompletionRequest, Provider, ProviderError
from .images import ImageProvider
from .local import LocalProvider

_local = LocalProvider()
# Called after each provider call with the request and its outcome ("ok" or the ProviderError's kind). Empty unless
# something registered (the local stack counts calls per Idempotency-Key for its chaos benchmark), so it costs nothing.
Observer = Callable[[CompletionRequest, str], None]
_observers: list[Observer] = []


def observe(observer: Observer) -> None:
    """Have `observer` told of every provider call from now on (calls behind the injected failures included)."""
    _observers.append(observer)


def provider_for(name: str) -> Provider:
    """The provider called `name`, behind the injected failures when `LEARNLOOP_CHAOS` is set."""
    provider: Provider = faulty.wrap(_provider(name)) if get_settings().chaos else _provider(name)
    return _Observed(provider) if _observers else provider


def _provider(name: str) -> Provider:
    if name == "local":
        return _local
    settings = get_settings().provider(name)
    if settings is None:
        raise ProviderError("unavailable", f"provider {name} has no credentials configured")
    from .openai_compat import OpenAICompatibleProvider

    return OpenAICompatibleProvider(name, settings)


def image_provider_for(name: str) -> ImageProvider:
    """The image provider called `name`: the offline models, Stability's REST API, or an OpenAI-compatible endpoint;
    behind the injected failures when `LEARNLOOP_CHAOS` is set, as text providers are."""
    provider = _image_provider(name)
    return faulty.wrap(provider) if get_settings().chaos else provider


def _image_provider(name: str) -> ImageProvider:
    if name == "local":
        from .local_images import LocalImages

        return LocalImages()
    settings = get_settings().provider(name)
    if settings is None:
        raise ProviderError("unavailable", f"provider {name} has no credentials configured")
    if name == "stability":
        from .stability import StabilityImages

        return StabilityImages(name, settings)
    from .openai_images import OpenAIImages

    return OpenAIImages(name, settings)


class _Observed:
    """A provider whose every call is reported to the observers, with how it ended."""

    def __init__(self, inner: Provider) -> None:
        self.inner = inner

    def complete(self, request: CompletionRequest) -> Completion:
        outcome = "ok"
        try:
            return self.inner.complete(request)
        except ProviderError as exc:
            outcome = exc.kind
            raise
        finally:
            for observer in list(_observers):
                observer(request, outcome)
