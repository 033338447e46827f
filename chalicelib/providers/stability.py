"""Stability AI's REST API for Stable Diffusion 3 (`POST /v2beta/stable-image/generate/sd3`), over httpx.

The request is multipart form data (prompt, model, aspect ratio, negative prompt, output format) with the key as a
bearer token; the answer asked for is JSON (`{"image": <base64>, "finish_reason", "seed"}`). A filtered answer
(`finish_reason: CONTENT_FILTERED`) is a failed call; 429 and 5xx are retried inside the deadline. The provider is
configured as any other (`LEARNLOOP_PROVIDERS='{"stability": {"api_key": "sk-..."}}'`, `base_url` to reach another
host); httpx is imported on the first call.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..core.settings import ProviderSettings
from .base import ProviderError
from .images import ImageRequest, ProducedImage, with_retries

BASE_URL = "https://api.stability.ai"
# The aspect ratios SD3 takes, by the size they render (width x height).
ASPECT_RATIOS = {
    "1024x1024": "1:1",
    "1344x768": "16:9",
    "768x1344": "9:16",
    "1216x832": "3:2",
    "832x1216": "2:3",
    "1152x896": "5:4",
    "896x1152": "4:5",
}


class StabilityImages:
    def __init__(self, name: str, settings: ProviderSettings) -> None:
        self.name = name
        self.settings = settings

    def generate(self, request: ImageRequest) -> list[ProducedImage]:
        if request.size not in ASPECT_RATIOS:
            raise ProviderError("bad_request", f"Stable Diffusion 3 makes no {request.size} images")
        # SD3 makes one image per call: n images are n calls, each retried on its own.
        return [
            with_retries(self.settings.max_retries + 1, self.settings.timeout_seconds, lambda t: self._once(request, t))
            for _ in range(request.n)
        ]

    def _once(self, request: ImageRequest, timeout: float) -> ProducedImage:
        import httpx

        fields: dict[str, Any] = {
            "prompt": request.prompt,
            "model": request.api_model or "sd3-medium",
            "aspect_ratio": ASPECT_RATIOS[request.size],
            "output_format": "png",
        }
        if request.negative_prompt:
            fields["negative_prompt"] = request.negative_prompt
        key = self.settings.api_key.get_secret_value() if self.settings.api_key else ""
        url = (self.settings.base_url or BASE_URL).rstrip("/") + "/v2beta/stable-image/generate/sd3"
        try:
            response = httpx.post(
                url,
                data=fields,
                files={"none": ("", b"")},  # makes the body multipart, as the API requires
                headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
                timeout=timeout,
            )
        except httpx.TimeoutException as exc:
            raise ProviderError("timeout", "the provider did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise ProviderError("unavailable", "the provider could not be reached") from exc
        status = response.status_code
        if status == 429:
            raise ProviderError("rate_limited", "the provider is rate limiting (429)")
        if status in (401, 403):
            raise ProviderError("auth", f"the provider refused the credentials ({status})")
        if status >= 500:
            raise ProviderError("server_error", f"the provider answered {status}")
        if status >= 400:
            raise ProviderError("bad_request", f"the provider answered {status}")
        try:
            answer = response.json()
            data = base64.b64decode(answer["image"], validate=True)
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise ProviderError("server_error", "the provider answered without an image") from exc
        if answer.get("finish_reason") == "CONTENT_FILTERED":
            raise ProviderError("bad_request", "the provider filtered the image out (CONTENT_FILTERED)")
        return ProducedImage(data=data)
