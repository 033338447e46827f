"""Seed 000's floral designs: generate one from the catalog and a style, flag it, rate it, list them."""

from __future__ import annotations

from chalice import Blueprint

from ..core.schemas import Page
from ..designs import service
from ..designs.schemas import (
    Design,
    DesignCreate,
    DesignFeedback,
    DesignListQuery,
    DesignPatch,
    DesignRated,
    RankedDesigns,
    RankedQuery,
)
from ..tenancy.schemas import Role
from .http import Call, Reply, route

designs = Blueprint(__name__)


@route(
    designs,
    "POST",
    "/v1/designs",
    role=Role.APP,
    body=DesignCreate,
    status=201,
    response=Design,
    summary="Generate a floral design: user prompt, style template, prompt template, image model",
    tag="designs",
    statuses=(404, 502, 504),
)
def post_design(call: Call[DesignCreate, None]) -> Design:
    return service.create(call.tenant, call.body, call.caller.limits if call.caller else None)


@route(
    designs,
    "GET",
    "/v1/designs",
    role=Role.READ,
    query=DesignListQuery,
    response=Page[Design],
    summary="Designs, newest first, by style, occasion, favourite and approved",
    tag="designs",
)
def list_designs(call: Call[None, DesignListQuery]) -> Page[Design]:
    return service.list_designs(call.tenant, call.query)


@route(
    designs,
    "GET",
    "/v1/designs/ranked",
    role=Role.READ,
    query=RankedQuery,
    response=RankedDesigns,
    summary="The best and the worst rated designs (the dashboard's thumbnails)",
    tag="designs",
)
def ranked_designs(call: Call[None, RankedQuery]) -> RankedDesigns:
    return service.ranked(call.tenant, call.query.count)


@route(
    designs,
    "GET",
    "/v1/designs/{design_id}/thumbnail",
    role=Role.READ,
    response="image/png",
    summary="A design's stored thumbnail as PNG bytes (send Accept: image/png), for pages that load no presigned link",
    tag="designs",
    statuses=(404,),
)
def design_thumbnail(call: Call[None, None]) -> Reply:
    png = service.thumbnail(call.tenant, call.params["design_id"])
    return Reply(png, 200, {"Content-Type": "image/png", "Cache-Control": "private, max-age=300"})


@route(designs, "GET", "/v1/designs/{design_id}", role=Role.READ, response=Design, summary="One design", tag="designs",
       statuses=(404,))  # fmt: skip
def get_design(call: Call[None, None]) -> Design:
    return service.get(call.tenant, call.params["design_id"])


@route(
    designs,
    "PATCH",
    "/v1/designs/{design_id}",
    role=Role.APP,
    body=DesignPatch,
    response=Design,
    summary="Mark a design favourite or approved (or not)",
    tag="designs",
    statuses=(404,),
)
def patch_design(call: Call[DesignPatch, None]) -> Design:
    return service.patch(call.tenant, call.params["design_id"], call.body)


@route(
    designs,
    "POST",
    "/v1/designs/{design_id}/feedback",
    role=Role.APP,
    body=DesignFeedback,
    status=201,
    response=DesignRated,
    summary="Rate a design 0.0-5.0 with a feedback type; a second rating from the same user replaces the first (200)",
    tag="designs",
    statuses=(200, 404),
)
def rate_design(call: Call[DesignFeedback, None]) -> Reply:
    rated, replaced = service.rate(call.tenant, call.params["design_id"], call.body)
    return Reply(rated, 200 if replaced else 201)
