"""The dashboard in a real headless Chromium against the local stack, with a week of data recorded over HTTP.

The stack runs with `LEARNLOOP_ALLOW_CLOCK_HEADER`, so each request of the week is recorded at its own day
(`X-Learnloop-Clock`). The test signs in through the page's form with a read key and checks that every
chart shows what was recorded: each mark of the SVG charts carries its day and value. With
`UPDATE_SCREENSHOT=1` (`make screenshot`) it also saves docs/dashboard.png.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, ROOT_KEY, LocalStack, start_stack
from tests.e2e.console_harness import CHROMIUM, FLAGS

pytestmark = pytest.mark.e2e

MODEL_FIELDS = (
    "model_name provider capabilities cost_bucket cost_per_1k_input cost_per_1k_output cost_per_request context_window "
    "max_tokens average_speed_ms is_active is_recommended priority_rank description use_cases limitations"
).split()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    env = {"LEARNLOOP_ALLOW_CLOCK_HEADER": "true", "LEARNLOOP_LOCAL_LATENCY_SCALE": "0.02"}
    running = start_stack(tmp_path_factory.mktemp("dashboard-data"), extra_env=env)
    yield running
    if running.process.poll() is None:
        running.stop()


class Week:
    """Records a week of a florist's AI features over HTTP, and what a client expects the dashboard to show."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        began = (datetime.now(UTC) - timedelta(days=22)).isoformat()
        created = stack.call(
            "POST",
            "/v1/tenants",
            key=ROOT_KEY,
            json={"name": "Bloom & Co", "domain": "bloom.example"},
            headers={"X-Learnloop-Clock": began},
        )
        assert created.status_code == 201, created.text
        self.admin = created.json()["api_key"]["key"]
        self.app = self._key("app")
        self.read = self._key("read")
        self.days: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.requests: dict[tuple[str, str], int] = defaultdict(int)

    def _key(self, role: str) -> str:
        reply = self.stack.call("POST", "/v1/api-keys", key=self.admin, json={"name": role, "role": role})
        assert reply.status_code == 201, reply.text
        return str(reply.json()["key"])

    def call(self, method: str, path: str, at: datetime, key: str, body: Any = None) -> dict[str, Any]:
        reply = self.stack.call(method, path, key=key, json=body, headers={"X-Learnloop-Clock": at.isoformat()})
        assert reply.status_code in (200, 201), reply.text
        return reply.json()  # type: ignore[no-any-return]

    def price(self, model_id: str, per_1k_input: float, per_1k_output: float) -> None:
        model = self.stack.call("GET", f"/v1/models/{model_id}", key=self.admin).json()
        body = {name: model[name] for name in MODEL_FIELDS if name in model}
        body |= {"cost_per_1k_input": per_1k_input, "cost_per_1k_output": per_1k_output}
        assert self.stack.call("PUT", f"/v1/models/{model_id}", key=self.admin, json=body).status_code == 200

    def record(self, today: datetime) -> str:
        self.price("local:sage", 0.6, 2.4)
        self.price("local:swift", 0.15, 0.6)
        experiment = self.stack.call(
            "POST",
            "/v1/experiments",
            key=self.admin,
            json={
                "name": "Caption tone",
                "category_key": "content_caption",
                "metric": "success",
                "auto_optimize": False,
                "min_exploration": 0.05,
                "variants": [
                    {"id": "classic", "name": "Classic", "prompt": "A caption for {flowers}", "weight": 1, "is_control": True},
                    {"id": "playful", "name": "Playful", "prompt": "A playful caption for {flowers}", "weight": 1},
                ],
            },
        )
        assert experiment.status_code == 201, experiment.text
        experiment_id = experiment.json()["id"]
        n = 0
        step = (today - today.replace(hour=0, minute=0, second=0, microsecond=0)) / 30
        for back in range(20, -1, -1):  # three weeks: the last seven are shown, the report compares two
            midnight = (today - timedelta(days=back)).replace(hour=0, minute=0, second=0, microsecond=0)

            def slot(k: int, midnight: datetime = midnight) -> datetime:
                # Every moment of the week lies between its day's midnight and the time of day now: never in the future.
                return midnight + step * (2 * k + 1)

            for i in range(4 + (6 - back) % 3 + (back == 0)):
                n += 1
                at = slot(i)
                category, model = [
                    ("content_caption", "local:sage"),
                    ("content_hashtags", "local:swift"),
                    ("content_ideas", "local:sage"),
                ][i % 3]
                made = self.call(
                    "POST",
                    "/v1/generations",
                    at,
                    self.app,
                    {
                        "user_id": f"florist-{n % 5}",
                        "category_key": category,
                        "prompt": f"Roses and peonies for day {n}",
                        "model_id": model,
                    },
                )
                self.count(at, made, category)
                if i % 4 != 3:  # three of four sessions are rated
                    if back < 14:  # the answers got better two weeks ago
                        signals = {"rating": 2 + (n % 4)} if i % 2 else {"thumbs": "up" if n % 3 else "down"}
                    else:
                        signals = {"rating": 1 + (n % 3)} if i % 2 else {"thumbs": "up" if n % 4 == 0 else "down"}
                    self.call(
                        "POST",
                        f"/v1/sessions/{made['session_id']}/feedback",
                        at + step,
                        self.app,
                        {"user_id": f"florist-{n % 5}", **signals},
                    )
                    self.rate(at, signals)
            for j in range(3):  # the experiment: sessions recorded by the florist's own backend
                n += 1
                at = slot(10 + j)
                user = f"shop-{back}-{j}"
                made = self.call(
                    "POST",
                    "/v1/sessions",
                    at,
                    self.app,
                    {
                        "user_id": user,
                        "category_key": "content_caption",
                        "input": {"flowers": "tulips"},
                        "experiment_id": experiment_id,
                        "processing_time_ms": 400 + 90 * j,
                    },
                )
                self.count(at, {"usage": {"input_tokens": 0, "output_tokens": 0}, "cost_usd": 0.0}, "content_caption")
                signals = {"thumbs": "up" if (j + back) % 3 else "down"}
                self.call(
                    "POST",
                    f"/v1/sessions/{made['session_id']}/feedback",
                    at + step,
                    self.app,
                    {"user_id": user, **signals},
                )
                self.rate(at, signals)
        self.designs(today - timedelta(days=10))
        return str(experiment_id)

    def designs(self, at: datetime) -> None:
        """Three of seed 000's designs from the offline image models, rated 4.5, 1.0 and 3.0 (the dashboard's best
        and worst thumbnails), on a day outside the charts' week but inside the leaderboard."""
        self.made: list[str] = []
        for rating, model in ((4.5, "local:petal"), (1.0, "local:sprig"), (3.0, "local:petal")):
            body = {"user_id": "florist-1", "prompt": "peonies and roses", "size": "256x256", "model_id": model}
            design = self.call("POST", "/v1/designs", at, self.app, body)
            session = self.call("GET", f"/v1/sessions/{design['session_id']}", at, self.read)
            self.count(at, session, "image_social")
            self.call("POST", f"/v1/designs/{design['id']}/feedback", at, self.app, {"user_id": "florist-1", "rating": rating})
            self.rate(at, {"rating": round(rating + 0.001)})  # the session's feedback: stars, half up
            self.made.append(design["id"])

    def count(self, at: datetime, made: dict[str, Any], category: str) -> None:
        figures = self.days[at.date().isoformat()]
        figures["sessions"] += 1
        figures["tokens"] += made["usage"]["input_tokens"] + made["usage"]["output_tokens"]
        figures["cost"] += made["cost_usd"]
        if made.get("model_id"):
            self.requests[(made["model_id"], category)] += 1

    def rate(self, at: datetime, signals: dict[str, Any]) -> None:
        figures = self.days[at.date().isoformat()]
        figures["rated"] += 1
        figures["successes"] += (signals.get("rating") or 0) >= 4 or signals.get("thumbs") == "up"
        if "rating" in signals:
            figures["ratings"] += 1
            figures["rating_sum"] += signals["rating"]


def wait_loaded(page: Any, errors: list[str]) -> None:
    # The page's CSP forbids eval, so wait on selectors (no wait_for_function).
    page.wait_for_selector("body[data-loaded=true], body[data-loaded=error]", state="attached", timeout=30_000)
    assert page.get_attribute("body", "data-loaded") == "true", (page.text_content("#updated"), errors)


def marks(page: Any, chart: str, series: str, shape: str) -> dict[str, float]:
    found = page.eval_on_selector_all(
        f'svg[data-chart="{chart}"] g[data-series="{series}"] {shape}',
        "nodes => nodes.map(n => [n.dataset.date, Number(n.dataset.value)])",
    )
    return dict(found)


def test_the_dashboard_shows_what_was_recorded(stack: LocalStack, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed: `make test` installs it (make browser)")
        pytest.skip("chromium is not installed: run `make browser`")
    from playwright.sync_api import sync_playwright

    week = Week(stack)
    today = datetime.now(UTC)
    experiment_id = week.record(today)
    for task in ("aggregate-metrics", "performance-report"):
        ran = stack.call("POST", f"/v1/scheduler/tasks/{task}/run", key=week.admin)
        assert ran.status_code == 200 and ran.json()["status"] == "succeeded", ran.text
    days = sorted(d for d in week.days if d > (today - timedelta(days=7)).date().isoformat())
    assert len(days) == 7 and len(week.days) == 21

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1360, "height": 900}, device_scale_factor=1)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{stack.url}/dashboard#days=7")
        page.wait_for_selector("#login-form")
        page.fill("#key", "ll.not.a.key")
        page.click("#login-button")
        page.wait_for_selector("#login-error:not(:empty)")
        assert "not known" in page.text_content("#login-error")

        page.fill("#key", week.read)
        page.click("#login-button")
        wait_loaded(page, errors)
        assert page.input_value("#range") == "7"
        assert page.text_content("#tenant-name") == "Bloom & Co"

        sessions = marks(page, "sessions", "sessions", "rect")
        assert sorted(sessions) == days
        assert sessions == {d: week.days[d]["sessions"] for d in days}
        assert marks(page, "sessions", "rated_sessions", "rect") == {d: week.days[d]["rated"] for d in days}
        feedback_rate = marks(page, "rates", "feedback_rate", "circle")
        success_rate = marks(page, "rates", "success_rate", "circle")
        rating = marks(page, "rating", "average_rating", "circle")
        cost = marks(page, "cost", "cost_usd", "rect")
        tokens = marks(page, "tokens", "tokens", "rect")
        for d in days:
            f = week.days[d]
            assert feedback_rate[d] == pytest.approx(f["rated"] / f["sessions"])
            assert success_rate[d] == pytest.approx(f["successes"] / f["rated"])
            assert rating[d] == pytest.approx(f["rating_sum"] / f["ratings"])
            assert cost[d] == pytest.approx(f["cost"], abs=1e-7) and cost[d] > 0
            assert tokens[d] == f["tokens"] > 0
        total = sum(week.days[d]["sessions"] for d in days)
        assert page.text_content('[data-kpi="total_sessions"] .value') == f"{int(total):,}"

        leaders = page.eval_on_selector_all(
            "#leaderboard tr[data-model]",
            "rows => rows.map(r => [r.dataset.model, r.dataset.category, Number(r.dataset.requests)])",
        )
        assert {(m, c): n for m, c, n in leaders} == dict(week.requests)

        shares = page.eval_on_selector_all(
            f'[data-experiment="{experiment_id}"] svg[data-chart="traffic"] rect',
            "rects => rects.map(r => [r.dataset.variant, Number(r.dataset.share)])",
        )
        assert dict(shares) == {"classic": 0.5, "playful": 0.5}
        confidence = page.get_attribute(f'[data-experiment="{experiment_id}"] tr[data-variant="playful"]', "data-confidence")
        assert 0 <= float(confidence) <= 1
        assert page.get_attribute("#report [data-week]", "data-week") is not None

        # The best and worst rated designs, their thumbnails fetched with the key and drawn (blob: URLs, CSP intact).
        best = page.eval_on_selector_all(
            '[data-designs="best"] img',
            "imgs => imgs.map(i => [i.closest('[data-design]').dataset.design, i.naturalWidth, i.src.slice(0, 5)])",
        )
        worst = page.eval_on_selector_all('[data-designs="worst"] [data-design]', "nodes => nodes.map(n => n.dataset.design)")
        first, low, mid = week.made
        assert [b[0] for b in best] == [first, mid, low] and worst == [low, mid, first]
        assert all(width == 256 and scheme == "blob:" for _, width, scheme in best), best

        shot = ROOT / "docs" / "dashboard.png" if os.environ.get("UPDATE_SCREENSHOT") else tmp_path / "dashboard.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
        browser.close()
