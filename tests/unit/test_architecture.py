"""The package map holds: no import circle between the packages of chalicelib, no package reads another's store, core
imports no capability, and a function-level import of another package says why it waits (`# deferred: <reason>`).

The graph is built from the AST of every module, with module-level and function-level imports alike (a circle hidden
in a function is still a circle), so it costs no import and runs in well under a second.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

LIB = Path(__file__).resolve().parents[2] / "chalicelib"


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module (or module.name), dotted
    path: Path
    line: int
    deferred: bool  # inside a function
    text: str  # the source line(s) of the statement


def _module(path: Path) -> str:
    parts = list(path.relative_to(LIB.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> list[Import]:
    return [found for path in sorted(LIB.rglob("*.py")) for found in _imports_of(path)]


def _imports_of(path: Path) -> list[Import]:
    found: list[Import] = []
    source = _module(path)
    package = source.split(".") if path.name == "__init__.py" else source.split(".")[:-1]
    lines = path.read_text().splitlines()

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            targets: list[str] = []
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = package[: len(package) - (child.level - 1)] if child.level else []
                module = ".".join([*base, *([child.module] if child.module else [])])
                targets = [f"{module}.{alias.name}" for alias in child.names]
            for target in targets:
                text = _with_comments_above(lines, child.lineno, child.end_lineno or child.lineno)
                found.append(Import(source, target, path, child.lineno, in_function, text))
            visit(child, inside)

    visit(ast.parse(path.read_text()), False)
    return found


def _with_comments_above(lines: list[str], first: int, last: int) -> str:
    """The statement's lines and those above it in its block of imports and comments (a block of deferred imports
    says why once, above it)."""
    start = first - 1
    while start > 0 and lines[start - 1].strip().startswith(("#", "from ", "import ")):
        start -= 1
    return "\n".join(lines[start:last])


def _package(dotted: str) -> str | None:
    """The package of chalicelib a module belongs to (None for chalicelib's own top-level modules and outsiders)."""
    parts = dotted.split(".")
    if parts[0] != "chalicelib" or len(parts) < 2 or not (LIB / parts[1]).is_dir():
        return None
    return parts[1]


IMPORTS = _imports()
ARROWS = [
    (i, _package(i.source), _package(i.target))
    for i in IMPORTS
    if _package(i.source) and _package(i.target) and _package(i.source) != _package(i.target)
]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_the_graph_is_read_from_every_module() -> None:
    # The graph sees both kinds of import: a known module-level arrow and a known deferred one.
    assert any(i.source == "chalicelib.routing.scoring" and i.target.startswith("chalicelib.model_stats") for i in IMPORTS)
    assert any(i.deferred and i.source == "chalicelib.contributions" for i in IMPORTS)
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle_between_packages() -> None:
    graph: dict[str, set[str]] = {}
    for _, source, target in ARROWS:
        graph.setdefault(str(source), set()).add(str(target))
    circles = _cycles(graph)
    why = {
        tuple(circle): sorted(
            f"{i.path.relative_to(LIB.parent)}:{i.line} {s} -> {t}" for i, s, t in ARROWS if s in circle and t in circle
        )
        for circle in circles
    }
    assert circles == [], why


def test_no_package_imports_another_packages_store() -> None:
    reaching = [
        f"{i.path.relative_to(LIB.parent)}:{i.line} {i.target}"
        for i, _, target in ARROWS
        if ".".join(i.target.split(".")[:3]) == f"chalicelib.{target}.store"
    ]
    assert reaching == []


def test_core_imports_no_capability() -> None:
    upward = [f"{i.path.relative_to(LIB.parent)}:{i.line} {i.target}" for i, source, _ in ARROWS if source == "core"]
    assert upward == []


def test_a_deferred_import_of_another_package_says_why() -> None:
    # chalicelib/contributions.py and the HTTP edge (api/) load capabilities on first use; anywhere else a function-level
    # import of another package must be there for cold start and carry `# deferred: <reason>`.
    silent = [
        f"{i.path.relative_to(LIB.parent)}:{i.line} {i.target}"
        for i in IMPORTS
        if i.deferred
        and i.target.startswith("chalicelib.")
        and _package(i.target) != _package(i.source)
        and "# deferred:" not in i.text
    ]
    assert silent == []
