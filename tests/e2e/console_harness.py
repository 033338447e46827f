"""What the console's browser tests share: the local stack with demo data recorded over HTTP, a signed-in headless
Chromium (Debian's, driven by playwright), console-error collection, axe-core, screenshots and planted-XSS checks.

    stack = console_stack(tmp_path_factory)            # the real local stack, clock header allowed
    demo = record_demo(stack)                           # a tenant, its admin/app/read keys and its data
    with browser() as chromium:
        console = Console(chromium, stack, width=1280, tmp=tmp_path)
        console.sign_in(demo.admin)
        console.goto("sessions", user_id=demo.user_id)  # waits until the screen is ready
        console.check("sessions")                       # no console error, axe clean, no XSS, screenshot

Conventions the screens follow so that these checks mean something (docs/console.md):
- app.js marks `main#screen` with `data-screen=<id>` and `data-status=loading|ready|error`; anything still loading
  carries `aria-busy="true"` (lib.js's screenState and formBox), so a screen is ready when the first is `ready` and
  no element inside has the second.
- every control that writes (a button, a form, a toggle) carries `data-write="<action>"`; a read key's screens must
  hold none (`Console.write_controls()`).
- tenant-writable strings planted with `planted(label)` must show as text (`Console.shows(text)`) and never run:
  `Console.assert_no_xss()` checks `window.__xss`, the DOM (no planted <img>/<script> element) and the console
  (a CSP refusal there is an error too).

axe-core is vendored by `make vendor` (pinned in the Makefile, unpacked under build/vendor, git-ignored) and injected
by the test through the DevTools protocol: the page's own CSP stays strict and the browser fetches nothing from outside.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, ROOT_KEY, LocalStack, start_stack

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE_VERSION = "4.14.1"  # == the Makefile's AXE_VERSION
AXE = ROOT / "build" / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
SHOTS = ROOT / "docs" / "console"
WIDTHS = (1280, 390)
DAYS = 10  # of demo data

# Markup that runs script if a page ever parses it as HTML; the console must show it as text.
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'


def planted(label: str) -> str:
    """A tenant-writable string: a readable label followed by the XSS payload."""
    return f"{label} {XSS}"


def needs_browser() -> None:
    """Skip (fail under CI) when Debian's chromium or the vendored axe-core is missing: `make test` provides both."""
    missing = [
        what for what, path in (("chromium (make browser)", Path(CHROMIUM)), ("axe-core (make vendor)", AXE)) if not path.exists()
    ]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"missing {', '.join(missing)}: `make test` installs them")
        pytest.skip(f"missing {', '.join(missing)}")


def console_stack(tmp_path_factory: pytest.TempPathFactory) -> LocalStack:
    env = {"LEARNLOOP_ALLOW_CLOCK_HEADER": "true", "LEARNLOOP_LOCAL_LATENCY_SCALE": "0.02"}
    return start_stack(tmp_path_factory.mktemp("console-data"), extra_env=env)


# ---- demo data -----------------------------------------------------------------------------------------------


@dataclass
class Demo:
    """What `record_demo` made: keys, ids, and the planted strings where the screens show them."""

    tenant_id: str
    tenant_name: str
    admin: str
    app: str
    read: str
    read_key_id: str
    spare_key_id: str  # an app key nobody uses: the one a test may revoke
    user_id: str  # planted
    feedback_text: str  # planted
    model_id: str
    model_name: str  # planted
    prompt_name: str
    prompt_template: str  # planted, the latest version (2)
    experiment_id: str
    experiment_name: str  # planted
    session_ids: list[str] = field(default_factory=list)
    rated_session_id: str = ""  # a session of `user_id` with feedback text and a correction
    corrected_output: str = ""  # planted
    example_id: str = ""
    target_id: str = ""
    pattern_id: str = ""
    pattern_name: str = "slow-checkout"  # a pattern's name is a word (no markup can be planted there)
    pattern_description: str = ""  # planted
    store_id: str = "store-1"
    context_user: str = "florist-2"  # a path segment: the planted user id holds a slash


class Recorder:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    def __call__(self, method: str, path: str, key: str, body: Any = None, at: datetime | None = None) -> Any:
        headers = {"X-Learnloop-Clock": at.isoformat()} if at else None
        reply = self.stack.call(method, path, key=key, json=body, headers=headers)
        assert reply.status_code in (200, 201, 204), (method, path, reply.status_code, reply.text)
        return reply.json() if reply.content else None


def record_demo(stack: LocalStack, name: str = "Bloom & Co") -> Demo:
    """A florist's tenant over ten days: generations and recorded sessions on three tasks with ratings, thumbs,
    feedback text and a correction, a prompt with two versions, a running experiment, a planted-name model,
    an enabled target evaluated into an event, a pattern and a store context. Every tenant-writable string the
    console shows carries the planted XSS payload."""
    call = Recorder(stack)
    now = datetime.now(UTC)
    began = now - timedelta(days=DAYS + 1)
    tenant_name = planted(name)
    created = call(
        "POST", "/v1/tenants", ROOT_KEY, {"name": tenant_name, "domain": f"bloom-{now.timestamp():.0f}.example"}, began
    )
    admin = created["api_key"]["key"]
    app_key = call("POST", "/v1/api-keys", admin, {"name": "shop backend", "role": "app"})["key"]
    read = call("POST", "/v1/api-keys", admin, {"name": "analyst", "role": "read"})
    spare = call("POST", "/v1/api-keys", admin, {"name": "old integration", "role": "app"})
    user_id = planted("florist-1")
    model_id = "local:sage"  # the tenant's copy of an offline model, renamed with a planted name
    model_name = planted("Sage writer")
    model = call("GET", f"/v1/models/{model_id}", admin)
    keep = ("provider", "capabilities", "cost_bucket", "context_window", "max_tokens", "average_speed_ms", "priority_rank")
    described = {
        "model_name": model_name,
        "description": planted("Thorough captions"),
        "cost_per_1k_input": 0.6,
        "cost_per_1k_output": 2.4,
    }
    call("PUT", f"/v1/models/{model_id}", admin, {**{k: model[k] for k in keep if model.get(k) is not None}, **described})
    call(
        "PUT",
        "/v1/models/local:swift",
        admin,
        {
            **{k: v for k, v in call("GET", "/v1/models/local:swift", admin).items() if k in keep and v is not None},
            "model_name": "Swift (offline)",
            "cost_per_1k_input": 0.15,
            "cost_per_1k_output": 0.6,
        },
    )
    prompt_name = "caption"
    call(
        "PUT", f"/v1/prompts/{prompt_name}", admin, {"template": "Write a caption for {flowers}.", "category": "content_caption"}
    )
    template = "Write a caption for {flowers} in a {tone} tone.\n" + planted("Sign it")
    call("PUT", f"/v1/prompts/{prompt_name}", admin, {"template": template, "category": "content_caption"})
    experiment_name = planted("Caption tone")
    experiment = call(
        "POST",
        "/v1/experiments",
        admin,
        {
            "name": experiment_name,
            "category_key": "content_caption",
            "metric": "success",
            "auto_optimize": False,
            "min_exploration": 0.05,
            "variants": [
                {"id": "classic", "name": "Classic", "prompt": "A caption for {flowers}", "weight": 1, "is_control": True},
                {"id": "playful", "name": planted("Playful"), "prompt": "A playful caption for {flowers}", "weight": 1},
            ],
        },
    )
    demo = Demo(
        tenant_id=created["tenant"]["id"],
        tenant_name=tenant_name,
        admin=admin,
        app=app_key,
        read=read["key"],
        read_key_id=read["id"],
        spare_key_id=spare["id"],
        user_id=user_id,
        feedback_text=planted("Lovely, but shorter please"),
        model_id=model_id,
        model_name=model_name,
        prompt_name=prompt_name,
        prompt_template=template,
        experiment_id=experiment["id"],
        experiment_name=experiment_name,
    )
    tasks = [("content_caption", model_id), ("content_hashtags", "local:swift"), ("content_ideas", model_id)]

    def record_day(back: int) -> list[str]:
        """Three generations (rated, thumbed or left alone) and one experiment session recorded by the shop."""
        day = (now - timedelta(days=back)).replace(hour=9, minute=0, second=0, microsecond=0)
        if day > now - timedelta(hours=1):
            day = now - timedelta(hours=1)
        made_ids = []
        for i, (category, model) in enumerate(tasks):
            at = day + timedelta(minutes=7 * i)
            user = user_id if i == 0 else f"florist-{(back + i) % 4 + 2}"
            body = {"user_id": user, "category_key": category, "prompt": f"Peonies and roses, day {back}", "model_id": model}
            made = call("POST", "/v1/generations", app_key, body, at)
            made_ids.append(made["session_id"])
            if (back + i) % 4 != 3:
                signals: dict[str, Any] = (
                    {"rating": 2 + (back + i) % 4} if i % 2 == 0 else {"thumbs": "up" if back % 3 else "down"}
                )
                feedback = {"user_id": user, **signals}
                call("POST", f"/v1/sessions/{made['session_id']}/feedback", app_key, feedback, at + timedelta(minutes=2))
        shop = {
            "user_id": f"shop-{back}",
            "category_key": "content_caption",
            "input": {"flowers": "tulips"},
            "experiment_id": demo.experiment_id,
            "processing_time_ms": 420,
        }
        recorded = call("POST", "/v1/sessions", app_key, shop, day + timedelta(minutes=40))
        thumbs = {"user_id": f"shop-{back}", "thumbs": "up" if back % 2 else "down"}
        call("POST", f"/v1/sessions/{recorded['session_id']}/feedback", app_key, thumbs, day + timedelta(minutes=41))
        return made_ids

    with ThreadPoolExecutor(max_workers=4) as pool:  # the local stack serves requests on threads
        for made_ids in pool.map(record_day, range(DAYS - 1, -1, -1)):
            demo.session_ids += made_ids
    # The newest session of the planted user: feedback with text and a correction.
    demo.rated_session_id = demo.session_ids[-3]  # today's first generation: the planted user's
    demo.corrected_output = planted("Peonies and roses, freshly cut")
    call(
        "POST",
        f"/v1/sessions/{demo.rated_session_id}/feedback",
        app_key,
        {"user_id": user_id, "rating": 4, "text": demo.feedback_text, "aspect": "style"},
    )
    call(
        "PATCH",
        f"/v1/sessions/{demo.rated_session_id}",
        app_key,
        {"corrected_output": demo.corrected_output, "manual_corrections": [{"field": "output", "note": planted("shorter")}]},
    )
    examples = call("GET", "/v1/training/examples", admin)["items"]
    demo.example_id = next(e["id"] for e in examples if e["session_id"] == demo.rated_session_id)
    target = call(
        "POST",
        "/v1/targets",
        admin,
        {"name": planted("Feedback rate"), "metric": "feedback_rate", "direction": "above", "threshold": 0.95, "window_days": 7},
    )
    demo.target_id = target["id"]
    call("POST", f"/v1/targets/{demo.target_id}/evaluate", admin)
    demo.pattern_description = planted("Checkout takes too long")
    pattern = call(
        "POST",
        "/v1/patterns",
        admin,
        {
            "pattern": demo.pattern_name,
            "description": demo.pattern_description,
            "category": "conversion",
            "store_type": "florist",
            "conditions": {"checkout_seconds": {"gt": 30}},
            "solution": {"action": planted("Trim the checkout form")},
            "success_rate": 0.6,
        },
    )
    demo.pattern_id = pattern["id"]
    call(
        "PUT",
        f"/v1/contexts/{demo.context_user}/{demo.store_id}",
        app_key,
        {
            "store_url": "https://bloom.example",
            "store_type": "florist",
            "store_data": {"note": planted("Spring sale")},
            "current_issues": [planted("slow checkout")],
        },
    )
    call(
        "PUT", "/v1/tenants/me/limits", admin, {"monthly_budget_usd": 25.0, "on_budget": "downgrade", "requests_per_minute": 600}
    )
    for task in ("aggregate-metrics", "performance-report"):
        ran = stack.call("POST", f"/v1/scheduler/tasks/{task}/run", key=admin)
        assert ran.status_code in (200, 409), ran.text  # 409: the local scheduler is running it for this new tenant
    return demo


# ---- the browser ---------------------------------------------------------------------------------------------


@contextmanager
def browser() -> Iterator[Any]:
    """Debian's headless Chromium (playwright's sync API); close it by leaving the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


class Console:
    """One browser tab on the console at one width, with its console errors collected."""

    def __init__(self, chromium: Any, stack: LocalStack, width: int, tmp: Path) -> None:
        self.stack = stack
        self.width = width
        self.tmp = tmp
        height = 900 if width >= 800 else 844
        self.context = chromium.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
        self.context.add_init_script(path=str(AXE))  # through the DevTools protocol: the page's CSP is untouched
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.errors: list[str] = []
        self.allowed: list[str] = []  # API paths whose 4xx a test provokes on purpose (Chromium logs them as errors)
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        self.page.on("console", self._console)
        self.requested: list[str] = []  # every URL the page asked for (a key must never be in one)
        self.page.on("request", lambda request: self.requested.append(request.url))

    def _console(self, message: Any) -> None:
        if message.type not in ("error", "assert"):
            return
        where = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and any(part in where for part in self.allowed):
            return
        self.errors.append(f"console.{message.type}: {message.text} ({where})")

    def allow_api_error(self, path_part: str) -> None:
        """An API answer of 4xx that the test provokes on purpose (a wrong key, a conflict) is not a page error."""
        self.allowed.append(path_part)

    def close(self) -> None:
        self.context.close()

    # -- navigation --

    def open(self) -> None:
        self.page.goto(f"{self.stack.url}/console")
        self.page.wait_for_selector("body[data-signed-in]", state="attached")

    def sign_in(self, key: str, screen: str = "overview") -> None:
        self.page.goto(f"{self.stack.url}/console#/{screen}")
        self.page.wait_for_selector("#signin-key")
        self.page.fill("#signin-key", key)
        self.page.click("#signin-button")
        self.page.wait_for_selector('body[data-signed-in="true"]', state="attached")
        self.wait_ready(screen)

    def sign_out(self) -> None:
        self.page.click("#signout")
        self.page.wait_for_selector('body[data-signed-in="false"]', state="attached")

    def goto(self, screen: str, **params: str) -> None:
        query = "&".join(f"{k}={_quote(v)}" for k, v in params.items())
        self.page.evaluate("(hash) => { location.hash = hash; }", f"#/{screen}" + (f"?{query}" if query else ""))
        self.wait_ready(screen)

    def wait_ready(self, screen: str | None = None) -> None:
        """Wait until the screen has rendered and nothing in it is loading; fail on its error state."""
        which = f'[data-screen="{screen}"]' if screen else ""
        self.page.wait_for_selector(f'main#screen{which}:not([data-status="loading"])', state="attached")
        self.settle()
        status = self.page.get_attribute("main#screen", "data-status")
        assert status == "ready", (screen, status, self.page.text_content("#screen-body"), self.errors)

    def settle(self) -> None:
        """Wait until no element of the screen is busy (loading states, pending forms)."""
        self.page.wait_for_selector('#screen [aria-busy="true"]', state="detached")

    # -- checks --

    def assert_no_errors(self) -> None:
        assert self.errors == [], self.errors

    def axe(self) -> list[dict[str, Any]]:
        """axe-core on the current page: the serious and critical violations (an empty list when clean)."""
        result = self.page.evaluate(
            "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
            " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})); }"
        )
        return [v for v in result if v["impact"] in ("serious", "critical")]

    def assert_axe_clean(self) -> None:
        found = self.axe()
        assert found == [], json.dumps(found, indent=1)

    def assert_no_xss(self) -> None:
        assert self.page.evaluate("() => window.__xss") is None, "a planted script ran"
        planted_nodes = self.page.evaluate(
            "() => document.querySelectorAll('img[src=\"x\"], img[onerror], script:not([src]), [onerror]').length"
        )
        assert planted_nodes == 0, "planted markup became elements"

    def shows(self, text: str) -> bool:
        """Whether the screen shows this exact text (a planted string shown as text, say)."""
        return text in (self.page.text_content("#screen") or "")

    def write_controls(self) -> list[str]:
        """The write actions the current screen offers (elements marked data-write)."""
        return list(self.page.eval_on_selector_all("#screen [data-write]", "nodes => nodes.map(n => n.dataset.write)"))

    def screenshot(self, screen: str, docs: bool = True) -> Path:
        """Always into the test's tmp dir; also into docs/console/<screen>-<width>.png with UPDATE_SCREENSHOT=1
        (unless docs=False: a read key's view, say)."""
        path = self.tmp / f"{screen}-{self.width}{'' if docs else '-extra'}.png"
        self.page.screenshot(path=str(path), full_page=True)
        if docs and os.environ.get("UPDATE_SCREENSHOT"):
            SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, SHOTS / path.name)
        assert path.stat().st_size > 5_000
        return path

    def check(self, screen: str, docs: bool = True) -> None:
        """The checks every screen gets: no console error, no planted script run, axe clean, a screenshot."""
        self.settle()
        self.assert_no_xss()
        self.assert_no_errors()
        self.assert_axe_clean()
        self.screenshot(screen, docs)

    def confirm(self) -> None:
        """Accept the console's confirmation dialog (lib.js confirmAction)."""
        self.page.click('dialog.confirm [data-confirm="ok"]')


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(str(value), safe="")
