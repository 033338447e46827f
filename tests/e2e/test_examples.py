"""The examples of examples/ run as a user would run them against `make run`: one real local stack, a subprocess each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, ROOT_KEY, LocalStack

pytestmark = pytest.mark.e2e

EXAMPLES = sorted((ROOT / "examples").glob("[!_]*.py"))
# A few lines each example must print: the figures its product depends on, found in its report.
EXPECTED = {
    "florist_designs.py": [
        "Style templates installed: 5",
        "bouquet-basic: 'Create a beautiful romantic bouquet with roses and peonies in pink and white colors for wedding'",
        "last 7 days: 7 designs",
        "Training examples (quality >= 0.75): 4 of 7 designs",
        "Image designs: 8 PNGs stored, each read back through its link with the size and sha256 stated",
        "mean rating per model: local:petal 4.5 over 4, local:sprig 1.5 over 4",
        "routing now prefers local:petal for image_social",
    ],
    "ai_resize.py": [
        "enhanced-v1 beats the original prompt, significant at 95%",
        "Traffic moved to the better prompt: enhanced-v1 now gets 95% of new designers",
        "Returning designers keep their prompt (6 of 6)",
        "Retraining over the last 30 days",
    ],
    "social_model_selection.py": [
        "Best model per task",
        "Preferred model of maya for content_caption",
        "highest estimated satisfaction on content_caption: local:sage",
        "highest estimated satisfaction on content_hashtags: local:swift",
        "Performance aggregates (all time)",
    ],
    "accounting_ml.py": [
        "correction applied",
        "ground truth set",
        "triggered by amount drift retrains",
        "recommendation: promote",
        "v1.1-r1 promoted to production by the probe",
        "another company's key sees none of it",
        "retrained as v1.1-r1 and promoted on ground truth",
    ],
}


def test_every_seed_system_has_its_example() -> None:
    assert {"florist_designs.py", "ai_resize.py", "social_model_selection.py"} <= {path.name for path in EXAMPLES}


@pytest.mark.parametrize("script", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_runs_against_the_local_stack(stack: LocalStack, script: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script), "--url", stack.url, "--key", ROOT_KEY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{script.name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    for line in EXPECTED.get(script.name, []):
        assert line in done.stdout, f"{script.name} did not print {line!r}:\n{done.stdout}"
