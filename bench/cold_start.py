"""Cold start: what a fresh interpreter pays for `import app`, against `import boto3` alone (the goal: at most 1.5x).

A Lambda that serves one request imports the app first. Each figure is a pair of fresh interpreters started in
turn (A, B, A, B, ...), the ratio A/B taken pair by pair so that the machine's drift cancels, and the median of the
ratios quoted, for wall time and for CPU time (user + system, the child's own accounting). A is:

- `import app`: what every cold Lambda pays before its first request (the goal's figure);
- `import app` and a first `GET /health` through the Lambda entry point (`app.app(event, context)` with an API
  Gateway event): the request-serving machinery (authentication, storage, pydantic, the middleware) imported too;
- `import app` and every route family loaded (`families.load_all()`, what `GET /openapi.json` imports): everything
  `import app` imported before the families were loaded lazily, the most a first request can add.

B is always `import boto3`. `BENCH_COLD_RUNS` sets the pairs (10). Our modules are compiled from source at each
import when no bytecode is cached (PYTHONDONTWRITEBYTECODE, or a read-only deployment package without .pyc files):
the figures are for the environment the command runs in, which the report names.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_COLD_RUNS", "10"))
GOAL = 1.5

_HEALTH = (
    "import app\n"
    "event = {'resource': '/health', 'path': '/health', 'httpMethod': 'GET', 'headers': {'Host': 'bench'},\n"
    "    'multiValueHeaders': {}, 'queryStringParameters': None, 'multiValueQueryStringParameters': None,\n"
    "    'pathParameters': None, 'stageVariables': None, 'body': None, 'isBase64Encoded': False,\n"
    "    'requestContext': {'resourcePath': '/health', 'httpMethod': 'GET', 'requestId': 'bench', 'path': '/health',\n"
    "        'stage': 'api', 'identity': {'sourceIp': '127.0.0.1'}}}\n"
    "class Context:\n"
    "    aws_request_id = 'bench'\n"
    "    def get_remaining_time_in_millis(self): return 29000\n"
    "answer = app.app(event, Context())\n"
    "assert answer['statusCode'] == 200, answer\n"
)
SCENARIOS = {
    "import_app": "import app",
    "first_health_request": _HEALTH,
    "every_family": "import app\nfrom chalicelib.api import families\nfamilies.load_all()",
}
BASELINE = "import boto3"


def _child(code: str) -> tuple[float, float]:
    """Wall and CPU seconds of a fresh interpreter running `code` in the project's directory."""
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "LEARNLOOP_LOG_LEVEL": "WARNING"}
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{code!r} exited with {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def _paired(code: str, runs: int) -> dict[str, Any]:
    _child(code), _child(BASELINE)  # warm-up: the file system's cache
    pairs = [(_child(code), _child(BASELINE)) for _ in range(runs)]
    return {
        "runs": runs,
        "wall_s": statistics.median(a[0] for a, _ in pairs),
        "cpu_s": statistics.median(a[1] for a, _ in pairs),
        "boto3_wall_s": statistics.median(b[0] for _, b in pairs),
        "boto3_cpu_s": statistics.median(b[1] for _, b in pairs),
        "ratio_wall": statistics.median(a[0] / b[0] for a, b in pairs),
        "ratio_cpu": statistics.median(a[1] / b[1] for a, b in pairs),
        "ratio_wall_max": max(a[0] / b[0] for a, b in pairs),
    }


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {name: _paired(code, RUNS) for name, code in SCENARIOS.items()}
    figures["goal"] = GOAL
    figures["bytecode_cached"] = not os.environ.get("PYTHONDONTWRITEBYTECODE")
    figures["cpus"] = os.cpu_count()
    return figures


def report(figures: dict[str, Any]) -> str:
    lines = [
        f"cold start: fresh interpreters, {figures['import_app']['runs']} pairs each against `import boto3`, medians "
        f"({figures['cpus']} CPUs; our bytecode {'cached' if figures['bytecode_cached'] else 'compiled at every import'})"
    ]
    for name, label in (
        ("import_app", "import app"),
        ("first_health_request", "import app + first GET /health"),
        ("every_family", "import app + every family loaded"),
    ):
        f = figures[name]
        lines.append(
            f"  {label:34} {f['ratio_wall']:.2f}x boto3 wall ({f['wall_s'] * 1000:.0f} ms against "
            f"{f['boto3_wall_s'] * 1000:.0f} ms), {f['ratio_cpu']:.2f}x CPU"
        )
    met = figures["import_app"]["ratio_wall"] <= figures["goal"]
    lines.append(f"  goal: import app at most {figures['goal']}x import boto3: {'met' if met else 'NOT met'}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run()))
