"""The lazily registered routes (chalicelib/api/families.py) are exactly the declared ones, registered as before.

`UPDATE_ROUTE_TABLE=1 pytest tests/unit/test_route_table.py` rewrites `families.OPERATIONS` from the `route()`
declarations of every module of chalicelib/api (after adding, renaming or moving a route).
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from chalice import Blueprint, Chalice

import chalicelib.api
from chalicelib.api import families, http

ROOT = Path(__file__).resolve().parents[2]
Table = dict[str, tuple[tuple[str, str, str], ...]]


def _declared() -> tuple[Table, list[Any]]:
    """Every module of chalicelib/api imported in the order of their names: the operations each declares, and its
    blueprints (the document lists the families in that order, as when app.py imported each of them)."""
    names = sorted(module.name for module in pkgutil.iter_modules(chalicelib.api.__path__))
    table: dict[str, list[tuple[str, str, str]]] = {}
    blueprints = []
    for name in names:
        module = importlib.import_module(f"chalicelib.api.{name}")
        blueprints += [v for v in vars(module).values() if isinstance(v, Blueprint) and v._import_name == module.__name__]
    for spec in http.ROUTES:
        family = http._HANDLERS[spec.name][1].__module__.rpartition(".")[2]
        table.setdefault(family, []).append((spec.method, spec.path, spec.name))
    return {family: tuple(table[family]) for family in names if family in table}, blueprints


def _written(table: Table) -> str:
    lines = ["OPERATIONS: dict[str, tuple[tuple[str, str, str], ...]] = {"]
    for family, operations in table.items():
        lines.append(f"    {json.dumps(family)}: (")
        lines += [f"        ({json.dumps(m)}, {json.dumps(p)}, {json.dumps(n)})," for m, p, n in operations]
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines)


def test_the_table_lists_every_declared_operation_in_declaration_order() -> None:
    declared, _ = _declared()
    same = list(declared.items()) == list(families.OPERATIONS.items())  # in the same order
    if os.environ.get("UPDATE_ROUTE_TABLE") == "1" and not same:
        path = ROOT / "chalicelib" / "api" / "families.py"
        text = path.read_text()
        block = re.compile(r"^OPERATIONS: dict\[.*?^}$", re.S | re.M)
        path.write_text(block.sub(lambda _: _written(declared), text, count=1))
        raise AssertionError("families.OPERATIONS was rewritten from the declarations: run the test again")
    assert same, "run UPDATE_ROUTE_TABLE=1 pytest tests/unit/test_route_table.py"


def test_the_lazy_app_registers_the_routes_the_blueprints_declare() -> None:
    import app

    _, blueprints = _declared()
    eager = Chalice(app_name="learnloop", configure_logs=False)
    for blueprint in blueprints:
        eager.register_blueprint(blueprint)

    def routes(chalice: Chalice) -> dict[tuple[str, str], tuple[Any, ...]]:
        return {
            (path, method): (e.view_name, e.view_args, e.content_types, e.api_key_required, e.authorizer, e.cors)
            for path, entries in chalice.routes.items()
            for method, e in entries.items()
        }

    lazy = routes(app.app)
    assert lazy == routes(eager)
    assert len(lazy) == sum(len(operations) for operations in families.OPERATIONS.values()) == len(http.ROUTES)


def test_importing_the_app_imports_no_family_and_no_heavy_library() -> None:
    """What keeps `import app` cheap (bench/cold_start.py measures it): no family's module, none of the libraries a
    request needs (pydantic, PynamoDB, botocore) or some requests need (numpy, scipy, openai, PIL)."""
    heavy = ("chalicelib.api.", "pydantic", "pynamodb", "boto3", "botocore", "numpy", "scipy", "openai", "PIL")
    probe = f"import sys, json, app; print(json.dumps(sorted(m for m in sys.modules if m.startswith({heavy!r}))))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == ["chalicelib.api.families"]
