"""OpenAI's images API (dall-e-3, gpt-image-1) and any OpenAI-compatible images endpoint, through the openai SDK.

The answer is either `b64_json` (the bytes) or a `url` the provider keeps for a short while; both are handed on as
they came and copied into S3 at once by the images capability. The SDK is imported on the first call. Retries are
ours and fit the deadline, as for chat (openai_compat.py).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .base import ProviderError
from .images import ImageRequest, ProducedImage, with_retries
from .openai_compat import OpenAICompatibleProvider, translate

# Models that answer b64_json always and refuse `response_format` and `style` (OpenAI's gpt-image family).
NO_RESPONSE_FORMAT = ("gpt-image-",)


class OpenAIImages(OpenAICompatibleProvider):
    def generate(self, request: ImageRequest) -> list[ProducedImage]:
        return with_retries(self.settings.max_retries + 1, self.settings.timeout_seconds, lambda t: self._images(request, t))

    def _images(self, request: ImageRequest, timeout: float) -> list[ProducedImage]:
        client = self.client().with_options(timeout=timeout, max_retries=0)
        name = request.api_model or request.model_name
        arguments: dict[str, Any] = {"model": name, "prompt": request.prompt, "n": request.n, "size": request.size}
        if request.quality:
            arguments["quality"] = request.quality
        if not name.startswith(NO_RESPONSE_FORMAT):
            if request.style:
                arguments["style"] = request.style
            if request.response_format:
                arguments["response_format"] = request.response_format
        try:
            response = client.images.generate(**arguments)
        except Exception as exc:
            raise translate(exc) from exc
        produced: list[ProducedImage] = []
        for image in response.data or []:
            if image.b64_json:
                try:
                    data = base64.b64decode(image.b64_json, validate=True)
                except (binascii.Error, ValueError) as exc:
                    raise ProviderError("server_error", f"{self.name} answered an image that is not base64") from exc
                produced.append(ProducedImage(data=data, revised_prompt=image.revised_prompt))
            elif image.url:
                produced.append(ProducedImage(url=image.url, revised_prompt=image.revised_prompt))
        if len(produced) != request.n:
            raise ProviderError("server_error", f"{self.name} answered {len(produced)} images of the {request.n} asked for")
        return produced
