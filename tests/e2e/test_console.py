"""The console's overview, sessions, prompts, models and settings screens in a real headless Chromium over the local
stack with demo data (tests/e2e/console_harness.py): as an admin and as a read key, at 1280 and 390 px wide.

Every screen: no console error, axe-core without serious or critical findings, the planted XSS strings shown as text
and never run, a screenshot (docs/console/<screen>-<width>.png with UPDATE_SCREENSHOT=1). The admin performs each
write action once (a prompt version, a key revoked, a scheduled task run now) and the test checks its effect
through the API; the read key's screens offer no write control.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LocalStack
from tests.e2e.console_harness import Console, Demo, browser, console_stack, needs_browser, planted, record_demo

pytestmark = pytest.mark.e2e

SCREENS = ("overview", "sessions", "prompts", "models", "settings")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    needs_browser()
    running = console_stack(tmp_path_factory)
    yield running
    if running.process.poll() is None:
        running.stop()


@pytest.fixture(scope="module")
def demo(stack: LocalStack) -> Demo:
    return record_demo(stack)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as launched:
        yield launched


def api(stack: LocalStack, demo: Demo, method: str, path: str, body: Any = None) -> Any:
    reply = stack.call(method, path, key=demo.admin, json=body)
    assert reply.status_code in (200, 201), reply.text
    return reply.json()


def rows(console: Console, selector: str, script: str) -> list[Any]:
    return list(console.page.eval_on_selector_all(selector, script))


def test_the_admin_sees_every_screen_and_changes_things(stack: LocalStack, demo: Demo, chromium: Any, tmp_path: Path) -> None:
    console = Console(chromium, stack, width=1280, tmp=tmp_path)
    page = console.page
    console.allow_api_error("/v1/me")  # the wrong key below answers 401
    console.open()
    page.fill("#signin-key", "ll.not.a.key")
    page.click("#signin-button")
    page.wait_for_selector("#signin-error:not(:empty)")
    assert page.text_content("#signin-error") == "This key is not known or was revoked."
    console.allowed.clear()
    console.sign_in(demo.admin)
    assert page.text_content("#tenant-name") == demo.tenant_name  # the planted tenant name, as text
    assert page.get_attribute("#role", "data-role") == "admin"
    assert page.evaluate("() => Object.keys(sessionStorage)") == ["learnloop.console.key"]
    assert page.evaluate("() => localStorage.length") == 0

    # Overview: the figures of the summary API, the planted target and experiment names as text.
    summary = api(stack, demo, "GET", "/v1/analytics/summary?days=30")
    assert page.text_content('[data-kpi="total_sessions"] .value') == f"{summary['total_sessions']:,}"
    assert page.text_content('[data-kpi="feedback_rate"] .value') == f"{summary['feedback_rate'] * 100:.1f}%"
    assert console.shows(planted("Feedback rate")) and console.shows(demo.experiment_name)
    events = api(stack, demo, "GET", "/v1/events?limit=10")["items"]
    assert events and console.shows(events[0]["subject"])
    points = rows(
        console,
        'svg[data-chart="quality-trend"] g[data-series="success rate"] circle',
        "cs => cs.map(c => [c.dataset.x, Number(c.dataset.value)])",
    )
    assert dict(points) == {d["date"]: pytest.approx(d["success_rate"]) for d in summary["daily"] if d["rated_sessions"]}
    assert page.get_attribute("[data-spend]", "data-budget") == "25"
    console.check("overview")

    # Sessions: the list, filtered by the planted user id; one session in full.
    console.goto("sessions")
    everything = api(stack, demo, "GET", "/v1/sessions?limit=200")["items"]
    assert page.get_attribute("[data-count]", "data-count") == str(len(everything)) == "40"
    console.check("sessions")
    console.goto("sessions", user_id=demo.user_id)
    mine = [s["id"] for s in everything if s["user_id"] == demo.user_id]
    assert rows(console, "a[data-session]", "links => links.map(a => a.dataset.session)") == mine and len(mine) == 10
    assert page.input_value("#f-user_id") == demo.user_id
    today = everything[0]["created_at"][:10]
    for params, expected in (
        ({"model_id": "local:swift"}, [s["id"] for s in everything if s["model_id"] == "local:swift"]),
        ({"experiment_id": demo.experiment_id}, [s["id"] for s in everything if s["experiment_id"] == demo.experiment_id]),
        ({"rating": "unrated"}, [s["id"] for s in everything if not s["feedback_count"]]),
        (
            {"from": today, "category_key": "content_caption"},
            [s["id"] for s in everything if s["created_at"][:10] == today and s["category_key"] == "content_caption"],
        ),
    ):
        console.goto("sessions", **params)
        assert rows(console, "a[data-session]", "links => links.map(a => a.dataset.session)") == expected and expected, params
    console.goto("sessions", user_id=demo.user_id)
    page.click(f'a[data-session="{demo.rated_session_id}"]')
    console.wait_ready("sessions")
    session = api(stack, demo, "GET", f"/v1/sessions/{demo.rated_session_id}")
    assert page.get_attribute("[data-session-detail]", "data-session-detail") == demo.rated_session_id
    for shown in (demo.feedback_text, demo.corrected_output, planted("shorter"), demo.model_name, session["output"]):
        assert console.shows(shown), shown
    candidates = rows(console, "[data-candidate]", "cells => cells.map(c => c.dataset.candidate)")
    assert candidates == [c["model_id"] for c in session["candidates"]] and candidates
    assert f"selected by {session['selected_by']}" in page.text_content('section[aria-label="Routing decision"]')
    assert f"${session['cost_usd']:.2f}" in page.text_content("dl.facts") or session["cost_usd"] < 0.01
    console.check("session-detail", docs=False)

    # Prompts: versions with a diff; render preview; a new version (checked through the API).
    console.goto("prompts", name=demo.prompt_name)
    assert page.text_content('pre[data-template="2"]') == demo.prompt_template
    added = rows(console, 'pre.diff [data-op="+"]', "spans => spans.map(s => s.textContent)")
    assert added == ["+ Write a caption for {flowers} in a {tone} tone.\n", f"+ {planted('Sign it')}\n"]
    console.check("prompts")
    page.click('[role="tab"][data-tab="preview"]')
    console.settle()
    page.fill('[data-variable="flowers"]', "tulips")
    page.fill('[data-variable="tone"]', "warm")
    page.click('form:has([data-variable]) button[type="submit"]')
    page.wait_for_selector("pre[data-rendered]")
    rendered = api(
        stack, demo, "POST", f"/v1/prompts/{demo.prompt_name}/render", {"variables": {"flowers": "tulips", "tone": "warm"}}
    )
    assert page.text_content("pre[data-rendered]") == rendered["text"]
    page.click('[role="tab"][data-tab="new"]')
    console.settle()
    new_template = "Write a short caption for {flowers}.\n" + planted("v3")
    page.fill('[data-write="prompt-template"]', new_template)
    page.click('[data-write="create-prompt-version"] button[type="submit"]')
    page.wait_for_selector('pre[data-template="3"]')
    console.wait_ready("prompts")
    latest = api(stack, demo, "GET", f"/v1/prompts/{demo.prompt_name}")
    assert (latest["version"], latest["template"]) == (3, new_template)
    console.assert_no_xss()

    # Models: the catalog with the planted name, keyboard through the tabs, why this model.
    console.goto("models")
    assert page.text_content(f'[data-model="{demo.model_id}"]') == demo.model_name
    console.check("models")
    page.focus('[role="tab"][aria-selected="true"]')
    page.keyboard.press("ArrowRight")
    page.wait_for_selector('[role="tab"][data-tab="tasks"][aria-selected="true"]')
    assert page.evaluate("() => document.activeElement.dataset.tab") == "tasks"
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"  # visible focus
    console.settle()
    page.keyboard.press("End")
    page.wait_for_selector('[role="tab"][data-tab="why"][aria-selected="true"]')
    console.settle()
    page.select_option('select[name="category_key"]', "content_caption")
    page.click('form:has(select[name="category_key"]) button[type="submit"]')
    page.wait_for_selector("[data-selected]")
    decision = api(stack, demo, "POST", "/v1/route", {"category_key": "content_caption"})
    assert page.get_attribute("[data-selected]", "data-selected") == decision["selected"]["model_id"]
    page.click('[role="tab"][data-tab="leaderboard"]')
    console.settle()
    leaders = api(stack, demo, "GET", "/v1/analytics/models?period=all_time")["items"]
    shown = rows(console, "[data-leader]", "cells => cells.map(c => [c.dataset.leader, c.dataset.category])")
    assert sorted(map(tuple, shown)) == sorted((r["model_id"], r["category_key"]) for r in leaders) and shown
    console.assert_no_errors()

    # Settings: revoke a key (with the confirmation dialog), run a scheduled task now.
    console.goto("settings")
    console.check("settings")
    page.click(f'[data-revoke="{demo.spare_key_id}"]')
    page.wait_for_selector("dialog.confirm[open]")
    console.confirm()
    page.wait_for_selector(f'[data-revoke="{demo.spare_key_id}"]', state="detached")
    console.settle()
    keys = api(stack, demo, "GET", "/v1/api-keys")["items"]
    assert demo.spare_key_id not in {k["id"] for k in keys} and len(keys) == 3
    before = next(t for t in api(stack, demo, "GET", "/v1/scheduler/tasks")["items"] if t["name"] == "evaluate-targets")
    page.click('[data-write="run-task"][data-task="evaluate-targets"]')
    page.wait_for_selector(".toast")
    console.settle()
    after = next(t for t in api(stack, demo, "GET", "/v1/scheduler/tasks")["items"] if t["name"] == "evaluate-targets")
    assert after["runs"] == before["runs"] + 1 and after["last_trigger"] == "manual" and after["last_status"] == "succeeded"
    assert page.get_attribute('[data-task="evaluate-targets"][data-write="run-task"]', "data-task") == "evaluate-targets"
    console.assert_no_errors()
    console.assert_no_xss()

    console.sign_out()
    assert page.evaluate("() => sessionStorage.length") == 0
    assert not any(demo.admin in url or demo.admin.split(".")[-1] in url for url in console.requested)
    console.close()


def test_the_narrow_screen_and_the_read_key(stack: LocalStack, demo: Demo, chromium: Any, tmp_path: Path) -> None:
    # 390 px as an admin: every screen, reached through the collapsed nav.
    narrow = Console(chromium, stack, width=390, tmp=tmp_path)
    narrow.sign_in(demo.admin)
    assert not narrow.page.is_visible("#nav-list")
    for screen in SCREENS:
        narrow.page.click("#nav-toggle")
        assert narrow.page.get_attribute("#nav-toggle", "aria-expanded") == "true"
        narrow.page.click(f'#nav-list a[data-screen="{screen}"]')
        narrow.wait_ready(screen)
        assert not narrow.page.is_visible("#nav-list")
        assert narrow.page.evaluate("() => document.documentElement.scrollWidth") <= 390  # nothing wider than the screen
        narrow.check(screen)
    narrow.close()

    # The read key, at both widths: everything it may read, and not one write control.
    for width in (1280, 390):
        reader = Console(chromium, stack, width=width, tmp=tmp_path)
        reader.sign_in(demo.read)
        assert reader.page.get_attribute("#role", "data-role") == "read"
        for screen in SCREENS:
            reader.goto(screen)
            assert reader.write_controls() == [], screen
            reader.check(f"{screen}-read", docs=False)
        reader.goto("prompts", name=demo.prompt_name, v="2")  # (the admin's test may have made a version 3)
        assert reader.page.query_selector('[role="tab"][data-tab="new"]') is None
        assert reader.page.text_content('pre[data-template="2"]') == demo.prompt_template
        reader.goto("sessions", id=demo.rated_session_id)
        assert reader.shows(demo.feedback_text) and reader.shows(demo.user_id)
        reader.goto("settings")
        assert reader.page.query_selector("#screen [data-write], #screen [data-revoke], #screen form") is None
        reader.assert_no_errors()
        reader.assert_no_xss()
        reader.close()
