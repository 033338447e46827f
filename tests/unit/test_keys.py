"""Every key of the table has one home, chalicelib/core/keys.py: each builder there, found by introspection (a new one
cannot be missed), is called over a small shared universe of arguments, and what it builds is checked.

- a key or partition of tenant T lies under T's partition (`TENANT#T` or `TENANT#T#...`), and the tenant it names is T;
- a key of no tenant is a platform key (`PLATFORM#...`);
- no two builders build the same item key, nor the same index partition;
- a prefix a query reads (`*_prefix`, a sort-key range, the `*_OF_USER` kinds under a user's GSI2 partition) selects the
  items of one builder in any partition;
- no module outside the home writes a key literal (`"XYZ#..."`).
"""

from __future__ import annotations

import inspect
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core import keys

ROOT = Path(__file__).resolve().parents[2]

# What keys.py defines that builds no key: it reads one, or makes free text safe inside one.
NOT_BUILDERS = {
    "tenant_of": "reads the tenant of a partition key",
    "user_preference_of": "reads the category and model of a preference's sort key",
    "key_part": "percent-encodes free text inside a key",
    "of_company": "the `@<company>` suffix of a registry name inside a key",
}
# The platform's items that name a tenant (their partition is the platform's, not the tenant's).
PLATFORM_KEYS_OF_A_TENANT = {"tenant_index": "GSI1 of the platform: every tenant, oldest first (the scheduler walks it)"}
# Two builders of one item: the same record under the name it had before.
SAME_ITEM = {("erasure", "legacy_erasure"): "an erasure record is named by the user's keyed hash, formerly by their id"}
TENANTS = ("t1", "t2")
# The shared universe: every builder gets the same few values, so two builders that can build one key do here.
VALUES: dict[str, tuple[Any, ...]] = {"str": ("a", "b"), "int": (0, 1), "str | None": (None, "a")}
TENANT_PARAMETERS = ("tenant_id", "scope")  # `scope`: a tenant id, or None for the platform (idempotency)


def _builders() -> dict[str, Callable[..., Any]]:
    found = {
        name: fn
        for name, fn in inspect.getmembers(keys, inspect.isfunction)
        if fn.__module__ == keys.__name__ and not name.startswith("_") and name not in NOT_BUILDERS
    }
    assert len(found) > 100, sorted(found)
    return found


BUILDERS = _builders()
PREFIX_CONSTANTS = {name: value for name, value in vars(keys).items() if name.isupper() and isinstance(value, str)}


def _tenant_parameter(fn: Callable[..., Any]) -> str | None:
    names = [name for name in inspect.signature(fn).parameters if name in TENANT_PARAMETERS]
    return names[0] if names else None


def _calls(fn: Callable[..., Any], tenants: tuple[str, ...] = TENANTS) -> Iterator[tuple[str | None, Any]]:
    """(tenant, what `fn` builds) for every combination of the universe's values."""
    parameters = inspect.signature(fn).parameters.values()
    choices = []
    for parameter in parameters:
        if parameter.name in TENANT_PARAMETERS:
            choices.append(tenants + ((None,) if "None" in str(parameter.annotation) else ()))
        else:
            assert str(parameter.annotation) in VALUES, f"{fn.__name__}({parameter.name}: {parameter.annotation}): add values"
            choices.append(VALUES[str(parameter.annotation)])
    names = [parameter.name for parameter in parameters]
    for combination in itertools.product(*choices):
        arguments = dict(zip(names, combination, strict=True))
        tenant = next((arguments[name] for name in TENANT_PARAMETERS if name in arguments), None)
        yield tenant, fn(**arguments)


def _returns(fn: Callable[..., Any]) -> str:
    return str(inspect.signature(fn).return_annotation)


def _item_keys() -> dict[tuple[str, str], set[str]]:
    built: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, fn in BUILDERS.items():
        if _returns(fn) == "Key":
            for _, key in _calls(fn):
                built[(key.pk, key.sk)].add(name)
    return built


def test_every_builder_returns_a_key_a_partition_a_sort_key_or_a_range() -> None:
    assert {_returns(fn) for fn in BUILDERS.values()} == {"Key", "str", "tuple[str, str]"}
    assert set(NOT_BUILDERS) <= set(vars(keys)), "a reader listed here is gone: drop it from NOT_BUILDERS"


@pytest.mark.parametrize(
    "name", sorted(name for name, fn in BUILDERS.items() if _tenant_parameter(fn) and name not in PLATFORM_KEYS_OF_A_TENANT)
)
def test_every_key_of_a_tenant_lies_under_its_partition(name: str) -> None:
    calls = list(_calls(BUILDERS[name]))
    assert calls
    for tenant, built in calls:
        partition = built.pk if isinstance(built, keys.Key) else built
        if tenant is None:  # the platform's scope
            assert partition.startswith("PLATFORM#"), (name, built)
            continue
        assert partition == f"TENANT#{tenant}" or partition.startswith(f"TENANT#{tenant}#"), (name, tenant, built)
        assert keys.tenant_of(partition) == tenant, (name, built)


@pytest.mark.parametrize("name", sorted(name for name, fn in BUILDERS.items() if not _tenant_parameter(fn)))
def test_what_no_tenant_owns_is_a_platform_key_or_a_sort_key(name: str) -> None:
    fn = BUILDERS[name]
    for _, built in _calls(fn):
        if isinstance(built, keys.Key):
            assert built.pk.startswith("PLATFORM#"), (name, built)
        else:
            for part in built if isinstance(built, tuple) else (built,):
                assert not part.startswith("TENANT#"), f"{name} builds a tenant's key without its tenant: {part}"


def test_platform_keys_of_a_tenant_are_the_platforms() -> None:
    for name in PLATFORM_KEYS_OF_A_TENANT:
        assert {built.pk for _, built in _calls(BUILDERS[name])} == {"PLATFORM#TENANTS"}


def test_no_two_builders_build_the_same_item_key() -> None:
    shared = {key: tuple(sorted(names)) for key, names in _item_keys().items() if len(names) > 1}
    assert set(shared.values()) <= set(SAME_ITEM)
    assert {key: names for key, names in shared.items() if names not in SAME_ITEM} == {}


def test_no_two_builders_build_the_same_index_partition() -> None:
    """A partition no item key uses is an index's (GSI1-3): one builder each, or two listings would mix."""
    table_partitions = {pk for pk, _ in _item_keys()}
    built: dict[str, set[str]] = defaultdict(set)
    for name, fn in BUILDERS.items():
        if _tenant_parameter(fn) and _returns(fn) == "str":
            for _, partition in _calls(fn):
                if partition not in table_partitions:
                    built[partition].add(name)
    assert built, "no index partition found"
    assert {partition: sorted(names) for partition, names in built.items() if len(names) > 1} == {}


def _prefixes() -> Iterator[tuple[str, str]]:
    """(who, prefix) of every sort-key prefix and range a query reads."""
    for name, fn in BUILDERS.items():
        if name.endswith("_prefix"):
            for _, prefix in _calls(fn):
                yield name, prefix
        elif _returns(fn) == "tuple[str, str]":
            for _, (low, high) in _calls(fn):
                common = next((i for i, (a, b) in enumerate(zip(low, high, strict=False)) if a != b), len(low))
                yield name, low[:common]
    for name, value in PREFIX_CONSTANTS.items():
        if value.endswith("#"):
            yield name, value


def test_a_prefix_selects_the_items_of_one_builder_in_any_partition() -> None:
    """One builder's items, or a family's whose names start with the prefix builder's (`context_prefix`: a user's
    context windows and their entries)."""
    by_partition: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    for (pk, sk), names in _item_keys().items():
        by_partition[pk].append((sk, names))
    prefixes = list(_prefixes())
    assert len(prefixes) > 40
    wrong = set()
    for who, prefix in prefixes:
        assert prefix, who
        family = who.removesuffix("_prefix")
        for items in by_partition.values():
            selected = set().union(*(names for sk, names in items if sk.startswith(prefix)))
            if len(selected) > 1 and not all(name.startswith(family) for name in selected):
                wrong.add((who, prefix, tuple(sorted(selected))))
    assert wrong == set()


def test_the_kinds_a_user_owns_have_prefixes_of_their_own() -> None:
    """Under a user's GSI2 partition (`user_items`) each kind is found by its prefix: no kind's sort key starts with
    another kind's prefix, so erasure never takes one kind for another."""
    owned = {name: fn for name, fn in BUILDERS.items() if name.endswith("_of_user")}
    prefixes = {name: value for name, value in PREFIX_CONSTANTS.items() if name.endswith("_OF_USER")}
    prefixes["audit_of_user"] = keys.audit_of_user()
    assert len(owned) >= 8 and len(prefixes) >= 9
    for name, fn in owned.items():
        for _, sort_key in _calls(fn):
            starts = [prefix for prefix in prefixes.values() if sort_key.startswith(prefix)]
            assert len(starts) == 1, (name, sort_key, starts)
    assert len(set(prefixes.values())) == len(prefixes)


KEY_LITERAL = re.compile(r"""["'][A-Z][A-Z_]+#""")


def test_no_key_literal_outside_the_home() -> None:
    home = ROOT / "chalicelib" / "core" / "keys.py"
    sources = [ROOT / "app.py", *(ROOT / "chalicelib").rglob("*.py"), *(ROOT / "devstack").rglob("*.py")]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        if path != home
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if KEY_LITERAL.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []
