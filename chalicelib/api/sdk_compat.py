"""OpenAI-compatible routes under /openai/v1: an unmodified openai SDK with `base_url=<api>/openai/v1` and an app key.

Errors on these paths are OpenAI-shaped (chalicelib/api/errors.py maps them, as every error, in one place).
"""

from __future__ import annotations

from chalice import Blueprint

from ..sdk_compat import service, stream
from ..sdk_compat.schemas import (
    ChatCompletion,
    ChatCompletionRequest,
    FeedbackRequest,
    ImageGenerationRequest,
    ImagesResponse,
    ModelList,
)
from ..sessions.schemas import FeedbackRecorded
from ..tenancy.schemas import Role
from .http import Call, Reply, route

sdk_compat = Blueprint(__name__)
TAG = "openai"
SESSION_HEADER = "Learnloop-Session-Id"


@route(
    sdk_compat,
    "POST",
    "/openai/v1/chat/completions",
    role=Role.APP,
    body=ChatCompletionRequest,
    response=ChatCompletion,
    summary="OpenAI chat completions (stream: true answers the events in one text/event-stream body); a session",
    tag=TAG,
    statuses=(404, 502, 504),
    media=("text/event-stream",),
)
def openai_chat_completions(call: Call[ChatCompletionRequest, None]) -> Reply:
    completion = service.chat_completion(call.tenant, call.body, call.headers, call.caller.limits if call.caller else None)
    headers = {SESSION_HEADER: completion.learnloop.session_id}
    if call.body.stream:
        include_usage = bool(call.body.stream_options and call.body.stream_options.include_usage)
        body = stream.events(completion, include_usage)
        return Reply(body, 200, {**headers, "Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    return Reply(completion, 200, headers)


@route(
    sdk_compat,
    "POST",
    "/openai/v1/images/generations",
    role=Role.APP,
    body=ImageGenerationRequest,
    response=ImagesResponse,
    summary="OpenAI image generations on the image generation flow; a session",
    tag=TAG,
    statuses=(404, 502, 504),
)
def openai_image_generations(call: Call[ImageGenerationRequest, None]) -> Reply:
    images = service.image_generation(call.tenant, call.body, call.headers, call.caller.limits if call.caller else None)
    return Reply(images, 200, {SESSION_HEADER: images.learnloop.session_id})


@route(
    sdk_compat,
    "GET",
    "/openai/v1/models",
    role=Role.READ,
    response=ModelList,
    summary="The tenant's catalog in OpenAI's shape, with learnloop/auto and learnloop/<category>",
    tag=TAG,
)
def openai_models(call: Call[None, None]) -> ModelList:
    return service.list_models(call.tenant)


@route(
    sdk_compat,
    "POST",
    "/openai/v1/feedback",
    role=Role.APP,
    body=FeedbackRequest,
    status=201,
    response=FeedbackRecorded,
    summary="Feedback on the session a call recorded (its Learnloop-Session-Id); a second from the same user replaces it",
    tag=TAG,
    statuses=(200, 404),
)
def openai_feedback(call: Call[FeedbackRequest, None]) -> Reply:
    recorded = service.feedback(call.tenant, call.body, call.headers)
    return Reply(recorded, 200 if recorded.replaced else 201)
