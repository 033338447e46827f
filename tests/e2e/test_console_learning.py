"""The console's learning screens (experiments, training, context and patterns, registry and governance) in a real
headless Chromium over the local stack, with their data recorded over HTTP (tests/e2e/console_harness.py).

An admin starts an experiment and stops it with a winner, approves a training example and edits another's ideal
output, saves a pattern, rolls back a deployment and resolves a governance violation, each checked through the
API; a fine-tuning job's progress reaches the page by polling. Every screen is walked as an admin and as a read key
at 1280 and 390 px: no console error, axe-core clean, no write control for the read key, and the planted
`<script>`/onerror payload in every tenant-writable string these screens show stays text. With
`UPDATE_SCREENSHOT=1` the screenshots land in docs/console/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT_KEY, LocalStack
from tests.e2e.console_harness import Console, Recorder, browser, console_stack, needs_browser, planted

pytestmark = pytest.mark.e2e

MODEL = "expense_classifier"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    running = console_stack(tmp_path_factory)
    yield running
    if running.process.poll() is None:
        running.stop()


@dataclass
class Learning:
    """What `record_learning` made: keys, ids, and the planted strings where the four screens show them."""

    admin: str = ""
    app: str = ""
    read: str = ""
    experiment_id: str = ""
    skewed_id: str = ""  # an experiment whose sessions do not match its weights (SRM)
    experiment_name: str = planted("Caption tone")
    variant_name: str = planted("Playful")
    prompt: str = planted("A playful caption for {flowers}")
    example_input: str = planted("Tulips for a spring window")
    dataset_id: str = ""
    pattern_description: str = planted("Expand short product descriptions")
    store_note: str = planted("Spring sale")
    issue: str = planted("slow checkout")
    conversation: str = planted("How do I speed up checkout?")
    algorithm: str = planted("random forest")
    deployment_name: str = planted("expenses")
    policy_name: str = planted("Expense accuracy")
    deployments: dict[str, str] = field(default_factory=dict)  # version -> deployment id
    violation_id: str = ""


def run_task(stack: LocalStack, admin: str, task: str) -> dict[str, Any]:
    """Run a scheduled task now (409 while the local scheduler runs it for this tenant: wait it out)."""
    for _ in range(60):
        ran = stack.call("POST", f"/v1/scheduler/tasks/{task}/run", key=admin)
        if ran.status_code != 409:
            break
        time.sleep(0.5)
    assert ran.status_code == 200 and ran.json()["status"] == "succeeded", ran.text
    return ran.json()  # type: ignore[no-any-return]


def record_learning(stack: LocalStack) -> Learning:
    """A shop's tenant with what the four screens show, its three parts recorded side by side over HTTP. Each
    tenant-writable string these screens show carries the planted payload."""
    call = Recorder(stack)
    data = Learning()
    # The tenant a week old: its experiment ran over the last six days (the stack takes the clock header).
    tenant = {"name": "Petal & Stem", "domain": f"petal-{time.time_ns()}.example"}
    created = call("POST", "/v1/tenants", ROOT_KEY, tenant, datetime.now(UTC) - timedelta(days=7))
    data.admin = created["api_key"]["key"]
    data.app = call("POST", "/v1/api-keys", data.admin, {"name": "shop", "role": "app"})["key"]
    data.read = call("POST", "/v1/api-keys", data.admin, {"name": "analyst", "role": "read"})["key"]
    with ThreadPoolExecutor(3) as pool:
        for part in [pool.submit(fn, call, data) for fn in (record_experiment, record_context, record_registry)]:
            part.result()
    run_task(stack, data.admin, "detect-drift")
    violations = call("GET", "/v1/governance/violations?status=open", data.admin)["items"]
    assert [v["policy_name"] for v in violations] == [data.policy_name]
    data.violation_id = violations[0]["id"]
    return data


def record_experiment(call: Recorder, data: Learning) -> None:
    """An experiment over six days: 16 users' sessions with ratings (each a training example), the weights moved
    to 1:3 on the third day; a dataset of the examples."""
    now = datetime.now(UTC)
    began = now - timedelta(days=6)
    experiment = call(
        "POST",
        "/v1/experiments",
        data.admin,
        {
            "name": data.experiment_name,
            "category_key": "content_caption",
            "metric": "success",
            "variants": [
                {"id": "classic", "name": "Classic", "prompt": "A caption for {flowers}", "is_control": True},
                {"id": "playful", "name": data.variant_name, "prompt": data.prompt},
            ],
        },
        began,
    )
    data.experiment_id = experiment["id"]
    for i in range(16):
        at = began + timedelta(hours=8 * i + 1)
        if i == 8:
            change = {"variants": [{"id": "classic", "weight": 1}, {"id": "playful", "weight": 3}]}
            call("PATCH", f"/v1/experiments/{data.experiment_id}", data.admin, change, at - timedelta(minutes=30))
        last = i == 15
        body = {
            "user_id": f"shopper-{i}",
            "category_key": "content_caption",
            "input": data.example_input if last else f"Tulips for order {i}",
            "output": planted("Fresh tulips") if last else f"Fresh tulips, order {i}",
            "experiment_id": data.experiment_id,
        }
        session = call("POST", "/v1/sessions", data.app, body, at)
        rating = {"user_id": f"shopper-{i}", "rating": 5 if i % 3 else 2}
        call("POST", f"/v1/sessions/{session['session_id']}/feedback", data.app, rating, at + timedelta(minutes=5))
    # A second experiment whose backend records every session as the control although the weights split 1:1.
    skewed = {
        "name": "Banner copy",
        "variants": [{"id": "plain", "name": "Plain", "is_control": True}, {"id": "bold", "name": "Bold"}],
    }
    data.skewed_id = call("POST", "/v1/experiments", data.admin, skewed, began)["id"]
    for i in range(20):
        body = {"user_id": f"visitor-{i}", "category_key": "content_caption", "input": "banner", "experiment_id": data.skewed_id}
        call("POST", "/v1/sessions", data.app, body | {"variant_id": "plain"}, began + timedelta(hours=i + 1))
    dataset = call("POST", "/v1/training/datasets", data.admin, {"days": 7, "min_rating": 1, "validation_split": 0.2})
    data.dataset_id = dataset["id"]


def record_context(call: Recorder, data: Learning) -> None:
    """Seed 004: a store's context window with a conversation and an action; a pattern with three outcomes."""
    window = "/v1/contexts/merchant-1/petal.myshopify.com"
    store = {
        "store_url": "https://petal.example",
        "store_type": "shopify",
        "store_data": {"note": data.store_note, "productCount": 150},
        "current_issues": [data.issue],
    }
    call("PUT", window, data.app, store)
    call(
        "POST", f"{window}/conversations", data.app, {"user_message": data.conversation, "ai_response": planted("Trim the form")}
    )
    call("POST", f"{window}/optimizations", data.app, {"action": planted("Compress images"), "result": "success"})
    pattern = {
        "pattern": "product_description_optimization",
        "description": data.pattern_description,
        "category": "product_optimization",
        "store_type": "shopify",
        "conditions": {"productCount": ">10"},
        "solution": {"steps": [planted("expand_descriptions")]},
        "success_rate": 0.8,
    }
    made = call("POST", "/v1/patterns", data.admin, pattern)
    for success in (True, True, False):
        call("POST", f"/v1/patterns/{made['id']}/outcome", data.app, {"success": success})


def record_registry(call: Recorder, data: Learning) -> None:
    """Seed 003: an expense classifier's two versions with their runs, both deployed in turn to production, a
    baseline that the labelled predictions of v2 drift from (half of them wrong: under the accuracy policy), and
    a validation pipeline's data-quality figures."""
    base = f"/v1/registry/models/{MODEL}"
    for version in ("v1", "v2"):
        body = {
            "model_name": MODEL,
            "model_version": version,
            "model_type": "classification",
            "algorithm": data.algorithm,
            "description": planted("Classifies expenses"),
            "feature_columns": ["amount", "category"],
            "target_column": "expense_type",
        }
        call("POST", "/v1/registry/models", data.admin, body)
        run = call("POST", f"{base}/{version}/runs", data.admin, {"run_name": f"fit-{version}", "epochs": 3})
        for epoch, loss in enumerate((0.9, 0.5, 0.3), start=1):
            point = {"loss": loss, "validation_loss": loss + 0.1, "metrics_point": {"epoch": epoch}}
            call("PATCH", f"/v1/registry/runs/{run['run_id']}", data.admin, point)
        call("PATCH", f"/v1/registry/runs/{run['run_id']}", data.admin, {"status": "completed", "accuracy": 0.9})
    for version in ("v1", "v2"):
        body = {
            "deployment_name": data.deployment_name,
            "model_name": MODEL,
            "model_version": version,
            "environment": "production",
        }
        data.deployments[version] = call("POST", "/v1/registry/deployments", data.admin, body)["id"]
    call("POST", f"{base}/v2/baseline", data.admin, {"features": {"amount": [90.0 + (i % 21) for i in range(100)]}})
    policy = {"policy_name": data.policy_name, "policy_type": "performance", "thresholds": {"min_accuracy": 0.8}}
    call("POST", "/v1/governance/policies", data.admin, policy)
    for i in range(32):
        body = {"prediction_type": "classification", "input_data": {"amount": 130.0 + (i % 13)}, "prediction": "office"}
        made = call("POST", f"{base}/v2/predictions", data.app, body)
        truth = {"actual_value": "office" if i % 2 else "travel"}
        call("PATCH", f"/v1/registry/predictions/{made['prediction_id']}", data.app, truth)
    pipeline = {
        "pipeline_name": "validate-inputs",
        "pipeline_type": "validation",
        "source_tables": [f"predictions:{MODEL}:v2"],
        "validation_rules": {"input_data.amount": {"required": True, "type": "number", "min": 0}},
    }
    call("POST", "/v1/registry/pipelines", data.admin, pipeline)
    call("POST", "/v1/registry/pipelines/validate-inputs/runs", data.admin, {})


def get(stack: LocalStack, key: str, path: str) -> Any:
    reply = stack.call("GET", path, key=key)
    assert reply.status_code == 200, reply.text
    return reply.json()


# The views of each screen: (screen, params, tab or None, the planted strings it shows, whether it is the
# screenshot of its screen).
def views(data: Learning) -> list[tuple[str, dict[str, str], str | None, list[str], bool]]:
    return [
        ("experiments", {}, None, [data.experiment_name], False),
        ("experiments", {"id": data.experiment_id}, None, [data.experiment_name, data.variant_name, data.prompt], True),
        ("training", {}, "examples", [data.example_input], True),
        ("training", {"tab": "datasets"}, "datasets", [], False),
        ("training", {"tab": "jobs"}, "jobs", [], False),
        ("context", {}, "windows", [data.issue], False),
        (
            "context",
            {"user_id": "merchant-1", "store_id": "petal.myshopify.com"},
            None,
            [data.store_note, data.conversation],
            True,
        ),
        ("context", {"tab": "patterns"}, "patterns", [data.pattern_description], False),
        ("registry", {}, "models", [data.algorithm], False),
        ("registry", {"model": MODEL, "version": "v2"}, None, [data.algorithm], True),
        ("registry", {"tab": "deployments"}, "deployments", [data.deployment_name], False),
        ("registry", {"tab": "quality"}, "quality", [], False),
        ("registry", {"tab": "governance"}, "governance", [data.policy_name], False),
    ]


def walk(console: Console, data: Learning, *, admin: bool, axe: bool, only_shots: bool = False) -> None:
    """Every view (or only those of the screenshots): its planted strings shown as text and never run, no console
    error, axe clean (when asked), no write control for a read key; the admin's walk takes the screenshots."""
    for screen, params, tab, shown, shot in views(data):
        if only_shots and not shot:
            continue
        console.goto(screen, **params)
        if tab:
            console.page.wait_for_selector(f'#screen .tabpanel[data-tab="{tab}"]:not([aria-busy])', state="attached")
            console.settle()
        for text in shown:
            assert console.shows(text), (screen, params, text)
        if not admin:
            assert console.write_controls() == [], (screen, params, console.write_controls())
        console.assert_no_xss()
        console.assert_no_errors()
        assert_fits(console, screen, params)
        if axe:
            console.assert_axe_clean()
        if shot and admin:
            console.page.evaluate("() => document.querySelectorAll('.toast').forEach((t) => t.remove())")
            console.screenshot(screen)


def results_shown(console: Console, stack: LocalStack, data: Learning) -> None:
    """The experiment's figures on the page are the API's: the interval drawn, the always-valid p-value, the traffic
    shares at the end of the weights chart; the skewed experiment shows the sample-ratio warning, the other not."""
    page = console.page
    results = get(stack, data.read, f"/v1/experiments/{data.experiment_id}/results")
    console.goto("experiments", id=data.experiment_id)
    (comparison,) = results["comparisons"]
    drawn = page.locator('#screen svg[data-chart="intervals"] g[data-variant="playful"]')
    assert [float(drawn.get_attribute("data-lo") or "nan"), float(drawn.get_attribute("data-hi") or "nan")] == comparison["ci95"]
    row = page.locator("#screen table:has(caption:text('Each variant against the control')) tbody tr").first
    cells = row.locator("td").all_text_contents()
    assert cells[4] == f"{comparison['p_value']:.4f}" and cells[5] == f"{comparison['always_valid_p_value']:.4f}", cells
    assert page.get_attribute("#screen [data-srm]", "data-srm") == ("ok" if results["srm"]["ok"] else "mismatch")
    ends = page.eval_on_selector_all(
        '#screen svg[data-chart="traffic-share-over-time"] g[data-series]',
        "groups => groups.map(g => Number([...g.querySelectorAll('circle')].pop().dataset.value))",
    )
    assert ends == [0.25, 0.75]
    skewed = get(stack, data.read, f"/v1/experiments/{data.skewed_id}/results")["srm"]
    assert skewed["ok"] is False and skewed["observed"] == {"plain": 20, "bold": 0}
    console.goto("experiments", id=data.skewed_id)
    warning = page.locator('#screen [data-srm="mismatch"][role="alert"]')
    assert "Sample ratio mismatch" in (warning.text_content() or "") and "plain 20 (expected 10.0)" in (
        warning.text_content() or ""
    )


def assert_fits(console: Console, screen: str, params: dict[str, str]) -> None:
    """Nothing wider than the window: the page never scrolls sideways (tables scroll inside their own box)."""
    wide = console.page.evaluate(
        "(width) => document.documentElement.scrollWidth <= width ? [] : [...document.querySelectorAll('#screen *')]"
        ".filter((n) => n.getBoundingClientRect().right > width + 1 && !n.closest('.table-wrap'))"
        ".slice(0, 5).map((n) => `${n.tagName.toLowerCase()}.${n.className.baseVal ?? n.className}`)",
        console.width,
    )
    assert wide == [], (screen, params, console.width, wide)


def admin_writes(console: Console, stack: LocalStack, data: Learning) -> None:
    """Each write action once, through the page, its effect checked through the API."""
    page = console.page
    admin = data.admin

    # Start an experiment from the form, then stop it with its second variant as the winner.
    console.goto("experiments")
    form = page.locator('form[data-write="create-experiment"]')
    name = planted("Hashtag count")
    form.get_by_label("Name", exact=True).first.fill(name)
    form.get_by_label("Task category").select_option("content_hashtags")
    second_row = form.locator("fieldset.variant-row").nth(1)
    second_row.locator('[name="variant_id"]').fill("many")
    second_row.locator('[name="variant_name"]').fill("Many hashtags")
    second_row.locator('[name="variant_prompt"]').fill("Ten hashtags for {flowers}")
    form.get_by_role("button", name="Start experiment").click()
    page.wait_for_selector("#screen [data-experiment]")
    console.settle()
    created = next(e for e in get(stack, admin, "/v1/experiments")["items"] if e["name"] == name)
    assert created["status"] == "running" and created["category_key"] == "content_hashtags"
    assert [(v["id"], v["is_control"], v["prompt"]) for v in created["variants"]] == [
        ("control", True, None),
        ("many", False, "Ten hashtags for {flowers}"),
    ]
    assert page.get_attribute("#screen [data-experiment]", "data-experiment") == created["id"]
    stop = page.locator('form[data-write="stop-experiment"]')
    stop.get_by_label("Winner").select_option("many")
    stop.get_by_role("button", name="Stop experiment").click()
    console.confirm()
    page.wait_for_selector('#screen [data-winner="many"]')
    stopped = get(stack, admin, f"/v1/experiments/{created['id']}")
    assert (stopped["status"], stopped["winner_variant_id"]) == ("stopped", "many")

    # Approve the newest example, edit the next one's ideal output, reject the third.
    console.goto("training")
    page.wait_for_selector("#screen .tabpanel[data-tab=examples] [data-example]")
    console.settle()
    first, second, third = page.eval_on_selector_all(
        "#screen [data-example]", "nodes => nodes.slice(0, 3).map(n => n.dataset.example)"
    )
    page.locator(f'[data-example="{third}"] [data-write="reject"]').click()
    page.wait_for_selector(f'[data-example="{third}"] .badge[data-status="rejected"]')
    rejected = get(stack, admin, f"/v1/training/examples/{third}")
    assert (rejected["validated"], rejected["quality_score"], rejected["quality_source"]) == (False, 0, "override")
    page.locator(f'[data-example="{first}"] [data-write="approve"]').click()
    page.wait_for_selector(f'[data-example="{first}"] .badge[data-status="approved"]')
    assert get(stack, admin, f"/v1/training/examples/{first}")["validated"] is True
    page.locator(f'[data-example="{second}"] [data-write="edit-output"]').click()
    ideal = planted("Tulips, fresh from the market")
    page.locator(f'[data-example="{second}"] textarea[name="expected_output"]').fill(ideal)
    page.locator(f'[data-example="{second}"] form[data-write="save-output"] button[type=submit]').click()
    page.wait_for_selector(f'[data-example="{second}"] pre[aria-label="expected output"]:has-text("fresh from the market")')
    edited = get(stack, admin, f"/v1/training/examples/{second}")
    assert (edited["expected_output"], edited["expected_output_source"]) == (ideal, "override")
    console.settle()

    # A fine-tuning job started over the API shows pending, and the page (polling) shows it succeed.
    job = call_ok(stack, admin, "POST", "/v1/training/jobs", {"dataset_id": data.dataset_id, "base_model": "local:sage"})
    console.goto("training", tab="jobs")
    page.click(f'#screen [data-open="{job["id"]}"]')
    page.wait_for_selector(f'#screen [data-job="{job["id"]}"][data-status="pending"]')
    assert page.get_attribute("#screen [data-jobs]", "data-polling") == "true"
    # A poll that brings nothing new leaves the page alone: the keyboard focus stays where it was.
    page.focus(f'#screen [data-job="{job["id"]}"] [data-write="cancel-job"]')
    page.wait_for_timeout(2500)
    assert page.evaluate("() => document.activeElement.dataset.write") == "cancel-job"
    run_task(stack, admin, "poll-training-jobs")
    page.wait_for_selector(f'#screen [data-job="{job["id"]}"][data-status="succeeded"]', timeout=30_000)
    finished = get(stack, admin, f"/v1/training/jobs/{job['id']}")
    assert finished["status"] == "succeeded" and console.shows(finished["model_id"])
    page.wait_for_selector('#screen [data-jobs][data-polling="false"]', state="attached")

    # The dataset's lineage names the job and the model it made; its train split downloads as the API gives it.
    # A second dataset, of the approved examples only, built from the form.
    console.goto("training", tab="datasets")
    build = page.locator("form[data-write=build-dataset]")
    build.get_by_label("Days").fill("7")
    build.get_by_label("Least rating").fill("1")
    build.get_by_label("Approved examples only").check()
    build.get_by_role("button", name="Build dataset").click()
    page.wait_for_selector("#screen .tabpanel[data-tab=datasets] tbody tr:nth-child(2)")
    console.settle()
    newest = get(stack, admin, "/v1/training/datasets")["items"][0]
    assert newest["id"] != data.dataset_id and newest["train_count"] + newest["validation_count"] == 1
    page.click(f'#screen [data-open="{data.dataset_id}"]')
    detail = page.locator(f'#screen [data-dataset="{data.dataset_id}"]')
    assert job["id"] in (detail.text_content() or "") and finished["model_id"] in (detail.text_content() or "")
    with page.expect_download() as download:
        detail.locator('[data-download="train"]').click()
    split = stack.call("GET", f"/v1/training/datasets/{data.dataset_id}/download?split=train", key=admin)
    assert split.status_code == 200 and split.text.count("\n") >= 5
    assert Path(download.value.path()).read_text() == split.text
    assert download.value.suggested_filename == f"{data.dataset_id}-train.jsonl"

    # A pattern saved from the form.
    console.goto("context", tab="patterns")
    pform = page.locator("form[data-write=create-pattern]")
    pform.get_by_label("Name").fill("free_shipping_banner")
    pform.get_by_label("Description").fill(planted("Announce free shipping"))
    pform.get_by_label("Category").fill("conversion")
    pform.get_by_label("Store type").fill("shopify")
    pform.get_by_label("Conditions (JSON)").fill('{"cartAbandonment": {"gt": 0.6}}')
    pform.get_by_label("Solution (JSON)").fill('{"steps": ["banner"]}')
    pform.get_by_role("button", name="Save pattern").click()
    page.wait_for_selector("#screen [data-pattern]:has-text('free_shipping_banner')")
    saved = get(stack, admin, "/v1/patterns?category=conversion")["items"]
    assert [(p["pattern"], p["conditions"], p["success_rate"]) for p in saved] == [
        ("free_shipping_banner", {"cartAbandonment": {"gt": 0.6}}, 0.5)
    ]

    # The contextual prompt of the store's window, built for a message: what the API builds, shown as text.
    console.goto("context", user_id="merchant-1", store_id="petal.myshopify.com")
    preview = page.locator("form[data-write=preview-prompt]")
    preview.get_by_label("Message").fill(planted("Why is my checkout slow?"))
    preview.get_by_role("button", name="Build prompt").click()
    page.wait_for_selector("#screen pre[data-prompt]")
    window = "/v1/contexts/merchant-1/petal.myshopify.com/prompt"
    expected = call_ok(stack, admin, "POST", window, {"message": planted("Why is my checkout slow?")})["prompt"]
    assert page.text_content("#screen pre[data-prompt]") == expected and data.conversation in expected

    # Roll back the deployment of v2: v1 is active again.
    console.goto("registry", tab="deployments")
    v1, v2 = data.deployments["v1"], data.deployments["v2"]
    page.click(f'#screen tr:has([data-deployment="{v2}"]) [data-write="rollback"]')
    console.confirm()
    page.wait_for_selector(f'#screen tr:has([data-deployment="{v2}"]) .badge[data-status="rolled_back"]')
    assert get(stack, admin, f"/v1/registry/deployments/{v2}")["status"] == "rolled_back"
    assert get(stack, admin, f"/v1/registry/deployments/{v1}")["status"] == "active"

    # Resolve the violation with a resolution: it leaves the open ones.
    console.goto("registry", tab="governance")
    card = page.locator(f'[data-violation="{data.violation_id}"]')
    card.get_by_label("Resolution").fill("Retrained on March data")
    card.get_by_role("button", name="Resolve").click()
    page.wait_for_selector(f'[data-violation="{data.violation_id}"]', state="detached")
    resolved = get(stack, admin, f"/v1/governance/violations/{data.violation_id}")
    assert (resolved["status"], resolved["resolution"]) == ("resolved", "Retrained on March data")
    console.settle()
    console.assert_no_xss()
    console.assert_no_errors()


def error_state(console: Console) -> None:
    """A view whose API read fails shows the error state with the API's message and a Retry button, nothing else."""
    console.allow_api_error("/v1/experiments/exp_gone")
    console.goto("experiments", id="exp_gone")
    box = console.page.locator("#screen .state.error")
    assert "no experiment exp_gone" in (box.text_content() or "") and "404" in (box.text_content() or "")
    assert box.get_by_role("button", name="Retry").is_visible()
    console.assert_no_errors()


def call_ok(stack: LocalStack, key: str, method: str, path: str, body: Any) -> Any:
    reply = stack.call(method, path, key=key, json=body)
    assert reply.status_code in (200, 201), reply.text
    return reply.json()


def test_the_learning_screens_walked_as_admin_and_read_key(stack: LocalStack, tmp_path: Path) -> None:
    needs_browser()
    data = record_learning(stack)
    with browser() as chromium:
        for width in (1280, 390):
            console = Console(chromium, stack, width=width, tmp=tmp_path)
            console.sign_in(data.admin, "experiments")
            if width == 1280:
                admin_writes(console, stack, data)
                error_state(console)
                results_shown(console, stack, data)
            # axe on every view twice: the admin's at 1280 px, the read key's at 390 px (the admin at 390 px: the
            # screenshots' views).
            walk(console, data, admin=True, axe=width == 1280, only_shots=width == 390)
            console.sign_out()
            console.sign_in(data.read, "experiments")
            walk(console, data, admin=False, axe=width == 390)
            console.close()
