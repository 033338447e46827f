"""Budget enforcement that holds under concurrency.

Before a call, the generation reserves the call's most expensive outcome with one conditional
ADD on the tenant's month item (`committed + cost <= budget`); after it, the reservation is
settled to the actual cost. Concurrent generations therefore cannot pass the budget: the last
reservation that fits is the last one granted. Spend can pass the budget only if a call costs
more than its reservation (an output longer than estimated), by at most that difference.

A call's reservation is a hold item written in the same transaction as the ADD, and carries an
expiry (core/deadline.reservation_seconds: longer than any Lambda runs). Settling deletes the hold
and corrects the month in one transaction; a hold a killed Lambda never settled is reclaimed
(deleted, its amount given back, again in one transaction) once expired, when a reservation does
not fit. A fine-tuning job's reservation lasts until the job ends: it has no hold (the job keeps it).

The arithmetic is exact: every amount is a decimal of at most 10 places (`exact`), the cap a reservation must fit
under is computed in decimals, and DynamoDB adds decimals exactly, so a $0.12 budget admits three $0.04 images (in
binary floating point 0.12 - 0.04 < 0.08 and the third would be refused).
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ..core import clock, deadline, keys
from ..core.errors import RateLimited, StorageBusy
from ..core.settings import get_settings
from ..core.table import TableItem, connection
from ..events import hooks as alert_hooks
from ..tenancy.schemas import Limits

# A hold outlives its month's budget by this much, then DynamoDB's TTL removes it.
HOLD_KEPT = timedelta(days=40)
PLACES = Decimal("1e-10")  # USD amounts are exact decimals of this precision (generations round costs to it)


def exact(amount: float | Decimal) -> Decimal:
    """`amount` as the decimal it is written as (0.04, not 0.040000000000000000832...), to 10 places."""
    return Decimal(repr(amount) if isinstance(amount, float) else amount).quantize(PLACES, rounding=ROUND_HALF_EVEN)


def _number(amount: Decimal) -> float:
    """A decimal of 10 places as the float whose shortest repr (what the table is sent) is that decimal exactly."""
    return float(amount)


class MonthSpend(TableItem, discriminator="budget_month"):
    committed_usd = NumberAttribute(default=0)  # spent + reserved
    spent_usd = NumberAttribute(default=0)
    calls = NumberAttribute(default=0)


class BudgetHold(TableItem, discriminator="budget_hold"):
    """One call's reservation, until it is settled or, past `until`, reclaimed."""

    amount_usd = NumberAttribute()
    until = NumberAttribute()  # epoch seconds


@dataclass(frozen=True)
class Reservation:
    tenant_id: str
    month: str
    amount: float
    hold: str | None = None  # the sort key of the hold item; None for a reservation kept until settled
    budget: float | None = None  # the monthly budget it was reserved under (its 80% and 100% are alerts)


class BudgetExhausted(RateLimited):
    code = "budget_exceeded"


def month_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def seconds_to_next_month(moment: datetime) -> int:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return max(
        1,
        int((moment.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0) - moment).total_seconds()),
    )


def committed(tenant_id: str) -> float:
    key = keys.budget_month(tenant_id, month_of(clock.now()))
    try:
        item = MonthSpend.get(key.pk, key.sk, consistent_read=True)
    except MonthSpend.DoesNotExist:
        return 0.0
    return float(item.committed_usd or 0)


def pressure(tenant_id: str, limits: Limits) -> float:
    """How much of the month's budget is committed, 0..1 (0 without a budget)."""
    if not limits.monthly_budget_usd:
        return 0.0 if limits.monthly_budget_usd is None else 1.0
    return min(1.0, committed(tenant_id) / limits.monthly_budget_usd)


def _transact(ops: Callable[[TransactWrite], None]) -> str | None:
    """Run one transaction, again when another one touched the same items at the same moment; None when it was written,
    else the cancellation reason of its first operation ("ConditionalCheckFailed")."""
    attempts = get_settings().write_attempts
    for n in range(attempts):
        try:
            with TransactWrite(connection=connection().connection) as tx:
                ops(tx)
            return None
        except TransactWriteError as exc:
            reasons = [reason.code if reason else None for reason in (exc.cancellation_reasons or [])]
            if "ConditionalCheckFailed" in reasons:
                return reasons[0] or "ConditionalCheckFailed"
            if "TransactionConflict" not in reasons and exc.cause_response_code != "TransactionInProgressException":
                raise
            time.sleep(min(0.2, 0.004 * (2 ** min(n, 6))) * random.random())
    raise StorageBusy("the monthly budget is contended, retry shortly")


def reserve(tenant_id: str, limits: Limits, amount: float, *, until_settled: bool = False) -> Reservation | None:
    """Reserve `amount` of this month's budget; None when it does not fit (nothing is reserved then).

    The reservation expires (`deadline.reservation_seconds`) unless `until_settled` (a fine-tuning job's, which its job
    item keeps); when it does not fit, expired holds of killed requests are reclaimed and it is tried once more.
    """
    now = clock.now()
    month = month_of(now)
    if limits.monthly_budget_usd is None:
        return Reservation(tenant_id, month, 0.0)
    amount = _number(exact(amount))
    cap_exact = exact(limits.monthly_budget_usd) - exact(amount)  # in decimals: 0.12 - 0.04 is 0.08, not 0.0799...
    if cap_exact < 0:
        return None
    cap = _number(cap_exact)
    for last in (False, True):
        reservation = _reserve(tenant_id, month, amount, cap, until_settled)
        if reservation is not None or last or not reclaim_expired(tenant_id, month):
            if reservation is None:
                if not until_settled:  # the rest of the budget no longer covers a call: the budget is used up (100%)
                    spent = float(_month(tenant_id, month).spent_usd or 0)  # (not so of a large job's estimate)
                    alert_hooks.budget_spent(tenant_id, month, spent, limits.monthly_budget_usd, refused=True)
                return None
            return replace(reservation, budget=limits.monthly_budget_usd)
    return None


def _reserve(tenant_id: str, month: str, amount: float, cap: float, until_settled: bool) -> Reservation | None:
    key = keys.budget_month(tenant_id, month)
    condition = MonthSpend.committed_usd.does_not_exist() | (MonthSpend.committed_usd <= cap)
    actions: list[Action] = [MonthSpend.committed_usd.add(amount), MonthSpend.kind.set(MonthSpend)]
    if until_settled or amount == 0:
        try:
            MonthSpend(key.pk, key.sk).update(actions=actions, condition=condition, add_version_condition=False)
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return Reservation(tenant_id, month, amount)
    now = clock.now()
    until = int(now.timestamp()) + deadline.reservation_seconds()
    hold_key = keys.budget_hold(tenant_id, month, until, secrets.token_hex(6))
    hold = BudgetHold(hold_key.pk, hold_key.sk, amount_usd=amount, until=until, expires_at=now + HOLD_KEPT)

    def ops(tx: TransactWrite) -> None:
        tx.update(MonthSpend(key.pk, key.sk), actions=actions, condition=condition, add_version_condition=False)
        tx.save(hold, condition=BudgetHold.pk.does_not_exist())

    if _transact(ops) is not None:
        return None
    return Reservation(tenant_id, month, amount, hold_key.sk)


def settle(reservation: Reservation, actual: float) -> None:
    """Turn a reservation into the actual cost (0 for a failed call); its hold goes in the same transaction. A cost
    under a budget is followed by the budget's alerts (80% and 100% of it spent: each an event once a month)."""
    if reservation.amount == 0 and actual == 0 and reservation.hold is None:
        return
    _settle(reservation, actual)
    if actual > 0 and reservation.budget:
        spent = float(_month(reservation.tenant_id, reservation.month).spent_usd or 0)
        if spent >= min(share for share, _ in alert_hooks.BUDGET_LEVELS) * reservation.budget:
            alert_hooks.budget_spent(reservation.tenant_id, reservation.month, spent, reservation.budget)


def _month(tenant_id: str, month: str) -> MonthSpend:
    key = keys.budget_month(tenant_id, month)
    try:
        return MonthSpend.get(key.pk, key.sk, consistent_read=True)
    except MonthSpend.DoesNotExist:
        return MonthSpend(key.pk, key.sk)


def _settle(reservation: Reservation, actual: float) -> None:
    key = keys.budget_month(reservation.tenant_id, reservation.month)

    cost = exact(actual)

    def month_actions(returned: float) -> list[Action]:
        return [
            MonthSpend.committed_usd.add(_number(cost - exact(returned))),
            MonthSpend.spent_usd.add(_number(cost)),
            MonthSpend.calls.add(1 if actual else 0),
            MonthSpend.kind.set(MonthSpend),
        ]

    if reservation.hold is not None:
        hold = reservation.hold

        def ops(tx: TransactWrite) -> None:
            tx.delete(BudgetHold(key.pk, hold), condition=BudgetHold.pk.exists(), add_version_condition=False)
            tx.update(MonthSpend(key.pk, key.sk), actions=month_actions(reservation.amount), add_version_condition=False)

        if _transact(ops) is None or actual == 0:
            return
        # The hold expired and was reclaimed (its amount already given back): only the actual cost is added.
        MonthSpend(key.pk, key.sk).update(actions=month_actions(0.0), add_version_condition=False)
        return
    MonthSpend(key.pk, key.sk).update(actions=month_actions(reservation.amount), add_version_condition=False)


def reclaim_expired(tenant_id: str, month: str) -> float:
    """Give back the holds of `month` whose expiry has passed (requests the platform killed); the amount given back."""
    key = keys.budget_month(tenant_id, month)
    low, high = keys.budget_holds_until(month, int(clock.now().timestamp()))
    returned = 0.0
    for hold in BudgetHold.query(key.pk, BudgetHold.sk.between(low, high), consistent_read=True):
        amount = _number(exact(hold.amount_usd))

        def ops(tx: TransactWrite, sk: str = hold.sk, amount: float = amount) -> None:
            tx.delete(BudgetHold(key.pk, sk), condition=BudgetHold.pk.exists(), add_version_condition=False)
            tx.update(
                MonthSpend(key.pk, key.sk),
                actions=[MonthSpend.committed_usd.add(-amount), MonthSpend.kind.set(MonthSpend)],
                add_version_condition=False,
            )

        if _transact(ops) is None:  # else settled or reclaimed meanwhile
            returned += amount
    return returned


def exhausted(limits: Limits) -> BudgetExhausted:
    return BudgetExhausted(
        f"the monthly budget of ${limits.monthly_budget_usd:g} is spent",
        retry_after=seconds_to_next_month(clock.now()),
    )
