"""Run every benchmark (or the ones named on the command line): `python -m bench [name ...]`."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

BENCHMARKS = [
    "foundation",
    "routing",
    "request_routing",
    "regret",
    "contextual",
    "peeking",
    "analytics_scaling",
    "local_stack",
    "alerts",
    "images",
    "openai_proxy",
    "cold_start",
]
RESULTS = Path(__file__).resolve().parent / "results"


def main(names: list[str]) -> int:
    RESULTS.mkdir(exist_ok=True)
    for name in names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        figures = module.run()
        (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
        print(module.report(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
