"""The registry's three capabilities as the code imports them: the model registry, monitoring built on it, data
pipelines built on both; no circle between them or inside one, and none reads another's store.

Every import counts, at module level or inside a function: a deferred import is an arrow all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("registry", "monitoring", "pipelines")
# Who may import whom among the three (the rest of chalicelib is not constrained here).
ALLOWED = {"registry": set(), "monitoring": {"registry"}, "pipelines": {"registry", "monitoring"}}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The chalicelib modules `path` imports (`from . import x` names the module x when it is one)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("chalicelib")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if not target.startswith("chalicelib"):
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                exists = (ROOT / Path(*candidate.split("."))).with_suffix(".py").exists()
                found.add(candidate if exists else target)
    return found


def _graph() -> dict[str, set[str]]:
    return {_module_name(path): _imports(path) for name in PACKAGES for path in sorted((ROOT / "chalicelib" / name).glob("*.py"))}


def _capability(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_three_packages_import_downward_only() -> None:
    arrows = {
        (_capability(source), _capability(target))
        for source, targets in _graph().items()
        for target in targets
        if _capability(target) in PACKAGES and _capability(target) != _capability(source)
    }
    assert {(a, b) for a, b in arrows if b not in ALLOWED[a]} == set()
    assert arrows == {("monitoring", "registry"), ("pipelines", "registry"), ("pipelines", "monitoring")}


def test_no_circle_inside_a_package() -> None:
    graph = _graph()
    inside = {m: {t for t in targets if t in graph and _capability(t) == _capability(m)} for m, targets in graph.items()}
    circles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        for target in sorted(inside[node]):
            if target in path:
                circles.append([*path[path.index(target) :], target])
            elif target not in done:
                visit(target, [*path, target])
        done.add(node)

    done: set[str] = set()
    for start in sorted(inside):
        if start not in done:
            visit(start, [start])
    assert circles == []


def test_no_package_reads_another_capabilitys_store() -> None:
    reads = {
        (source, target)
        for source, targets in _graph().items()
        for target in targets
        if target.endswith(".store") and _capability(target) != _capability(source)
    }
    assert reads == set()


def test_nothing_outside_reads_the_three_stores() -> None:
    """Other capabilities (learning, the API) reach the three through their services, never their items."""
    outside = [p for p in sorted((ROOT / "chalicelib").rglob("*.py")) if _capability(_module_name(p)) not in PACKAGES]
    reads = sorted(
        (_module_name(path), target)
        for path in outside
        for target in _imports(path)
        if target in {f"chalicelib.{name}.store" for name in PACKAGES}
    )
    assert reads == []


def test_a_counter_spilled_before_the_move_folds_into_monitorings_counter() -> None:
    from chalicelib.core.spill import CounterAdd
    from chalicelib.monitoring.store import ErrorCounter, LabelCounter, PredictionCounter

    for model in (LabelCounter, ErrorCounter, PredictionCounter):
        legacy = CounterAdd.decoded("t1", [f"chalicelib.registry.store:{model.__name__}", "MLPRED:m1", "2026-05-20", {"n": 1}, 4])
        assert legacy.model is model and legacy.encoded()[0] == f"chalicelib.monitoring.store:{model.__name__}"


def test_the_cron_module_is_pure() -> None:
    """Schedules' arithmetic reads no clock and no table: it imports nothing of chalicelib (and only cronsim of the rest)."""
    path = ROOT / "chalicelib" / "pipelines" / "cron.py"
    assert _imports(path) == set()
    modules = {
        alias.name.split(".")[0] if isinstance(node, ast.Import) else (node.module or "").split(".")[0]
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert modules == {"__future__", "dataclasses", "datetime", "cronsim"}
