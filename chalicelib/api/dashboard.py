"""GET /dashboard: the analytics dashboard, a static page (HTML, CSS, JS in chalicelib/dashboard/) that asks
for an API key and draws the analytics API's figures as SVG. It needs no key itself; its calls do."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from chalice import Blueprint

from ..core.errors import NotFound
from .http import Call, Reply, route

dashboard = Blueprint(__name__)

BUNDLE = Path(__file__).resolve().parent.parent / "dashboard"
ASSETS = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
# Everything comes from this server: no CDN, no inline script, no framing. Design thumbnails are fetched with the key
# from GET /v1/designs/{id}/thumbnail and shown as blob: URLs, so no S3 origin is allowed, deployed or local.
SECURITY = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@lru_cache(maxsize=8)
def _read(name: str) -> str:
    return (BUNDLE / name).read_text(encoding="utf-8")


@route(
    dashboard,
    "GET",
    "/dashboard",
    role=None,
    response="text/html",
    summary="The analytics dashboard (HTML; it asks for a key)",
    tag="dashboard",
)
def get_dashboard(call: Call[None, None]) -> Reply:
    return Reply(_read("index.html"), 200, {"Content-Type": "text/html; charset=utf-8", **SECURITY})


@route(
    dashboard,
    "GET",
    "/dashboard/{asset}",
    role=None,
    response="text/javascript",
    media=("text/css",),
    summary="The dashboard's script and style sheet",
    tag="dashboard",
    statuses=(404,),
)
def get_dashboard_asset(call: Call[None, None]) -> Reply:
    name = call.params["asset"]
    if name not in ASSETS:
        raise NotFound(f"no dashboard asset {name}")
    return Reply(_read(name), 200, {"Content-Type": ASSETS[name], **SECURITY})
