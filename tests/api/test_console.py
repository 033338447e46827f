"""The console's files: served by the app without a key, under a strict Content-Security-Policy, and nothing else."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Api

BUNDLE = Path(__file__).resolve().parents[2] / "chalicelib" / "console"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def test_the_console_page_needs_no_key_and_loads_nothing_from_elsewhere(api: Api) -> None:
    page = api.get("/console")
    assert page.status == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"] == CSP
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.body == (BUNDLE / "index.html").read_text(encoding="utf-8")
    assert '<script type="module" src="console/app.js"></script>' in page.body
    assert "http" not in page.body.split("<body", 1)[1] and "style=" not in page.body


def test_the_console_assets_and_screens_are_served_with_their_types(api: Api) -> None:
    for name, kind in (("app.js", "text/javascript"), ("lib.js", "text/javascript"), ("console.css", "text/css")):
        reply = api.get(f"/console/{name}")
        assert reply.status == 200, name
        assert reply.headers["content-type"] == f"{kind}; charset=utf-8"
        assert reply.headers["content-security-policy"] == CSP
        assert reply.body == (BUNDLE / name).read_text(encoding="utf-8")
    for screen in ("overview", "sessions", "prompts", "models", "settings"):
        reply = api.get(f"/console/screens/{screen}.js")
        assert reply.status == 200, screen
        assert reply.headers["content-type"] == "text/javascript; charset=utf-8"
        assert reply.body == (BUNDLE / "screens" / f"{screen}.js").read_text(encoding="utf-8")


def test_only_the_console_files_are_served(api: Api) -> None:
    for path in (
        "/console/index.py",
        "/console/secrets.txt",
        "/console/nothere.js",
        "/console/..%2Fapi%2Fconsole.py",
        "/console/screens/nothere.js",
        "/console/screens/..%2Flib.js",
        "/console/screens/overview.css",
        "/console/screens/.hidden.js",
    ):
        reply = api.get(path)
        assert reply.status == 404, path
        assert reply.error_code == "not_found"


def test_a_script_never_writes_markup(api: Api) -> None:
    """Tenant strings reach the page as text nodes only: no module of the console uses an HTML sink."""
    for script in [BUNDLE / "app.js", BUNDLE / "lib.js", *sorted((BUNDLE / "screens").glob("*.js"))]:
        text = script.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "style="):
            assert sink not in text, (script.name, sink)


def test_openapi_documents_the_console_pages_and_the_me_route(api: Api) -> None:
    paths = api.get("/openapi.json").body["paths"]
    assert set(paths["/console"]) == {"get"}
    assert "404" in paths["/console/screens/{screen}"]["get"]["responses"]
    assert paths["/v1/me"]["get"]["x-learnloop-role"] == "read"
