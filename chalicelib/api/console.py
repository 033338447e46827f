"""GET /console: the admin console, static files (HTML, CSS, ES modules in chalicelib/console/) that sign in with
an API key and do every read and write through the public API. The files need no key themselves; their calls do.

Only files that exist under chalicelib/console are served, by an allow-listed name pattern (no path traversal: a
name holds no slash or dot-dot), with their content type and the console's strict Content-Security-Policy.
"""

from __future__ import annotations

import re
from pathlib import Path

from chalice import Blueprint

from ..core.errors import NotFound
from .http import Call, Reply, route

console = Blueprint(__name__)

BUNDLE = Path(__file__).resolve().parent.parent / "console"
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
ASSET = re.compile(r"^[a-z][a-z0-9_-]{0,40}\.(js|css)$")
SCREEN = re.compile(r"^[a-z][a-z0-9_-]{0,40}\.js$")
# Everything comes from this server: no CDN, no inline script or style, no framing, no plugin, no form posted away.
# Images stored on S3 are fetched with the key and shown as blob: URLs, so no S3 origin is allowed.
SECURITY = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _serve(path: Path, content_type: str) -> Reply:
    if not path.is_file():
        raise NotFound("no such console file")
    return Reply(path.read_text(encoding="utf-8"), 200, {"Content-Type": content_type, **SECURITY})


@route(
    console,
    "GET",
    "/console",
    role=None,
    response="text/html",
    summary="The admin console (HTML; it asks for a key)",
    tag="console",
)
def get_console(call: Call[None, None]) -> Reply:
    return _serve(BUNDLE / "index.html", "text/html; charset=utf-8")


@route(
    console,
    "GET",
    "/console/{asset}",
    role=None,
    response="text/javascript",
    media=("text/css",),
    summary="The console's scripts and style sheet",
    tag="console",
    statuses=(404,),
)
def get_console_asset(call: Call[None, None]) -> Reply:
    name = call.params["asset"]
    if not ASSET.match(name):
        raise NotFound(f"no console file {name}")
    return _serve(BUNDLE / name, TYPES[Path(name).suffix])


@route(
    console,
    "GET",
    "/console/screens/{screen}",
    role=None,
    response="text/javascript",
    summary="One screen module of the console",
    tag="console",
    statuses=(404,),
)
def get_console_screen(call: Call[None, None]) -> Reply:
    name = call.params["screen"]
    if not SCREEN.match(name):
        raise NotFound(f"no console screen {name}")
    return _serve(BUNDLE / "screens" / name, TYPES[".js"])
