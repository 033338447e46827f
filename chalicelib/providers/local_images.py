"""The offline image models: no key, no network, so the image loop runs on a laptop too.

- `local:petal` renders every flower named in the colours asked for, with the container (chalicelib/providers/compose.py's
  detailed renderer); slower.
- `local:sprig` renders fast, rough discs in its own muted palette, ignoring the colours asked for.

Both are deterministic (the same prompt and parameters give the same PNG; each of `n` images is its own variant),
and they differ in quality and speed (a simulated latency per image, scaled by `LEARNLOOP_LOCAL_LATENCY_SCALE`),
so routing and experiments have something real to learn offline.
"""

from __future__ import annotations

import time

from ..core import deadline
from ..core.settings import get_settings
from .base import ProviderError
from .images import ImageRequest, ProducedImage

# name -> (renderer, simulated milliseconds per image)
MODELS: dict[str, tuple[str, float]] = {"petal": ("detailed", 400.0), "sprig": ("rough", 60.0)}


class LocalImages:
    def generate(self, request: ImageRequest) -> list[ProducedImage]:
        from . import compose  # deferred: cold start (the renderer loads with the first offline image)

        found = MODELS.get(request.model_name)
        if found is None:
            raise ProviderError("unavailable", f"no offline image model {request.model_id}")
        renderer, per_image_ms = found
        began = time.perf_counter()
        width, height = (int(side) for side in request.size.split("x", 1))  # "1024x1024"
        images = [
            ProducedImage(
                data=compose.render(request.prompt, width, height, renderer=renderer, variant=i, negative=request.negative_prompt)
            )
            for i in range(request.n)
        ]
        remaining = per_image_ms * request.n * get_settings().local_latency_scale / 1000 - (time.perf_counter() - began)
        left = deadline.left()
        if left is not None and remaining > left:
            time.sleep(max(left, 0.0))
            raise ProviderError("timeout", f"{request.model_id} did not answer within the deadline")
        if remaining > 0:
            time.sleep(remaining)
        return images
