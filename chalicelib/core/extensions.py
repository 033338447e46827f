"""The extension points: what one capability contributes to another's work without either importing the other.

Each point is a typed protocol here, in core, which every capability may import. `chalicelib/contributions.py`,
above every capability, lists what each capability contributes to each point and installs the list when
`chalicelib` is imported; the capability that runs a point asks `installed()` for it. So an arrow never points up:
the consumer (sessions, tenancy, privacy, the scheduler, the offline provider) knows the protocol, the contributor
knows the protocol and its own items, and only `contributions.py` knows both.

The points:

- **session counts** (`SessionCounter`): ops moved in the transaction of every session, generation, feedback,
  correction and erasure, with the exact deltas (sessions/events.py runs them);
- **tenant seeds** (`TenantSeeder`): what a new tenant starts with, in its creation transaction (tenancy);
- **user erasure** (`UserEraser`): each capability erases one end user's items of its own, counting every
  deletion on the erasure's record (privacy runs them in the declared order);
- **scheduled tasks** (`TaskSpec`): a name, a rate and the function run per tenant (the scheduler);
- **local model families** (`LocalModelFamily`): offline models registered when a name no loaded model answers is
  first asked for (providers/local.py);
- **event listeners** (`EventListener`): ops committed with every event raised (events/service.py), such as the
  webhooks' deliveries;
- **deployment challenges** (`ChallengeLookup`): the champion-challenger test a deployment runs, which monitoring tags
  each prediction it serves with (monitoring/predictions.py; the challenges are the learning capability's);
- **violation followers** (`ViolationFollower`): what follows a governance violation opened (the policy's actions:
  retrain, roll back, notify), once per violation, after the transaction that opened it (governance/violations.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from .storage import Op
    from .table import TableItem


# --- session counts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionFacts:
    """What a session counter may know of the session an event belongs to."""

    tenant_id: str
    session_id: str
    user_id: str
    category_key: str
    day: str
    created_at: str
    model_id: str | None = None
    experiment_id: str | None = None
    variant_id: str | None = None
    # The experiment's period of fixed weights the session counts in for its SRM check (None: in none).
    experiment_period: int | None = None
    # The user whose feedback this event is (None for the session's own events).
    feedback_user_id: str | None = None
    # True when the event undoes a session or a feedback being erased (a user's data deleted on request):
    # counters move by the negative deltas; subscribers that keep derived records must not recreate them.
    erasing: bool = False
    # Items of the tenant's own catalog the session used: `features.catalog` as {kind: [item ids]}.
    catalog_refs: tuple[tuple[str, str], ...] = ()
    # What the session recorded as its input and features (never changed after): request-level routing learns from them.
    input: Any = field(default=None, hash=False, compare=False)
    features: Any = field(default=None, hash=False, compare=False)
    # The models of a generation's fallback chain whose calls failed, one entry per failed call (skipped candidates
    # are not calls). Only the event that records the generation carries them, so each failed call counts once,
    # against its model, and an erasure of the session does not take them back (a model's failure is no user's data).
    failed_calls: tuple[str, ...] = ()


class SessionCounter(Protocol):
    """The ops that count one session event (`deltas`: `sessions`, `feedback`, `rated`, ... as the event changed
    them; negative when erasing), committed with the event itself, all or nothing."""

    def __call__(self, facts: SessionFacts, deltas: dict[str, float], /) -> list[Op]: ...


# --- tenant seeds ------------------------------------------------------------------------------


class TenantSeeder(Protocol):
    """What a new tenant starts with (its default catalog, prompts, targets), written in its creation transaction."""

    def __call__(self, tenant_id: str, now: str, /) -> list[Op]: ...


# --- user erasure ------------------------------------------------------------------------------


class Erasure(Protocol):
    """One end user's erasure in progress, as privacy runs it: the running totals a capability counts its deletions
    in (each op commits with the deletion it counts, so a retried erasure counts every item once) and the lists a
    capability reports on the record."""

    @property
    def tenant_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def user_hash(self) -> str:
        """The keyed hash the erasure's record (and whatever must keep naming the user) uses."""
        ...

    def count(self, total: str, n: int = 1, /) -> Op:
        """The op adding `n` to the running total `total` (a field of the erasure's answer: `sessions`, `feedback`...)."""
        ...

    def counts(self, totals: dict[str, int], /) -> Op:
        """One op adding to several totals (a transaction may touch the erasure's record once)."""
        ...

    def delete_counted(self, items: list[TableItem], total: str, per_item: dict[str, int] | None = None, /) -> None:
        """Delete `items` in transactions each adding to `total` (one per item, or `per_item[sk]`), resumable."""
        ...

    def note(self, field: str, values: Iterable[str], /) -> None:
        """Add `values` to one of the record's named sets (`affected_datasets`, `affected_models`, `exports`)."""
        ...

    def noted(self, field: str, /) -> list[str]:
        """What the record holds of one of those sets (earlier runs included)."""
        ...

    def model_actions(self) -> dict[str, str]:
        """What was done so far to each model the user's data trained (rebuilt, retired)."""
        ...

    def record_model_action(self, model_id: str, action: str, /) -> None: ...

    def add_audit_entries(self, n: int, /) -> None: ...


class UserEraser(Protocol):
    """Erase one end user's items of the contributing capability, counting each deletion on the erasure's record."""

    def __call__(self, erasure: Erasure, /) -> None: ...


# --- scheduled tasks ---------------------------------------------------------------------------

Unit = Literal["minutes", "hours", "days"]
TaskFunction = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class TaskSpec:
    """A scheduled task: `run(tenant_id)` returns a JSON-able result that becomes the run's `last_result`."""

    name: str
    every: int
    unit: Unit
    run: TaskFunction
    description: str
    enabled_by_default: bool = True

    @property
    def schedule(self) -> str:
        """The rate as an EventBridge expression: rate(1 day)."""
        unit = self.unit[:-1] if self.every == 1 else self.unit
        return f"rate({self.every} {unit})"

    @property
    def period(self) -> timedelta:
        return timedelta(**{self.unit: self.every})


# --- local model families ----------------------------------------------------------------------


class LocalModelFamily(Protocol):
    """Loads a family of offline models: the call registers them (`providers.local.register_model`)."""

    def __call__(self) -> None: ...


# --- event listeners --------------------------------------------------------------------------


class EventListener(Protocol):
    """The ops to commit with a new event (in its transaction, so the event and what listens to it cannot part)."""

    def __call__(self, tenant_id: str, event_id: str, event_type: str, /) -> list[Op]: ...


# --- deployment challenges ----------------------------------------------------------------------


@dataclass(frozen=True)
class Challenge:
    """A running champion-challenger test on a deployment."""

    id: str
    champion_version: str
    challenger_version: str


class ChallengeLookup(Protocol):
    """The challenge a deployment runs now, or None."""

    def __call__(self, tenant_id: str, deployment_id: str, /) -> Challenge | None: ...


# --- violation followers ------------------------------------------------------------------------


class ViolationFollower(Protocol):
    """What follows a governance violation opened (`breach`: governance's `Breach`, with its policy and figure)."""

    def __call__(self, tenant_id: str, breach: Any, /) -> object: ...


# --- the list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contributions:
    """Every capability's contributions, by point. Each is a function returning the point's contributions, in the
    order they run, so that a contributor's module is imported when its point is first used, not at cold start."""

    session_counters: Callable[[], tuple[SessionCounter, ...]]
    tenant_seeders: Callable[[], tuple[TenantSeeder, ...]]
    user_erasers: Callable[[], tuple[UserEraser, ...]]
    local_model_families: Callable[[], tuple[LocalModelFamily, ...]]
    tasks: Callable[[], tuple[TaskSpec, ...]]
    event_listeners: Callable[[], tuple[EventListener, ...]]
    deployment_challenges: Callable[[], tuple[ChallengeLookup, ...]]
    violation_followers: Callable[[], tuple[ViolationFollower, ...]]


_installed: Contributions | None = None


def install(contributions: Contributions) -> None:
    """Make `contributions` the product's (chalicelib/contributions.py does it when chalicelib is imported)."""
    global _installed
    _installed = contributions


def installed() -> Contributions:
    if _installed is None:
        raise RuntimeError("no contributions installed: chalicelib/__init__.py installs chalicelib.contributions")
    return _installed
