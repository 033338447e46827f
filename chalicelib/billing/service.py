"""Budget enforcement that holds under concurrency.

Before a call, the generation reserves the call's most expensive outcome with one conditional
ADD on the tenant's month item (`committed + cost <= budget`); after it, the reservation is
settled to the actual cost. Concurrent generations therefore cannot pass the budget: the last
reservation that fits is the last one granted. Spend can pass the budget only if a call costs
more than its reservation (an output longer than estimated), by at most that difference.
A reservation lost to a crash stays committed (spend is over-, never under-counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import UpdateError

from ..core import clock, keys
from ..core.errors import RateLimited
from ..core.table import TableItem
from ..tenancy.schemas import Limits


class MonthSpend(TableItem, discriminator="budget_month"):
    committed_usd = NumberAttribute(default=0)  # spent + reserved
    spent_usd = NumberAttribute(default=0)
    calls = NumberAttribute(default=0)


@dataclass(frozen=True)
class Reservation:
    tenant_id: str
    month: str
    amount: float


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


def reserve(tenant_id: str, limits: Limits, amount: float) -> Reservation | None:
    """Reserve `amount` of this month's budget; None when it does not fit (nothing is reserved then)."""
    now = clock.now()
    month = month_of(now)
    if limits.monthly_budget_usd is None:
        return Reservation(tenant_id, month, 0.0)
    key = keys.budget_month(tenant_id, month)
    cap = limits.monthly_budget_usd - amount
    if cap < 0:
        return None
    try:
        MonthSpend(key.pk, key.sk).update(
            actions=[MonthSpend.committed_usd.add(amount), MonthSpend.kind.set(MonthSpend)],
            condition=MonthSpend.committed_usd.does_not_exist() | (MonthSpend.committed_usd <= cap),
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return Reservation(tenant_id, month, amount)


def settle(reservation: Reservation, actual: float) -> None:
    """Turn a reservation into the actual cost (0 for a failed call)."""
    if reservation.amount == 0 and actual == 0:
        return
    key = keys.budget_month(reservation.tenant_id, reservation.month)
    MonthSpend(key.pk, key.sk).update(
        actions=[
            MonthSpend.committed_usd.add(actual - reservation.amount),
            MonthSpend.spent_usd.add(actual),
            MonthSpend.calls.add(1 if actual else 0),
            MonthSpend.kind.set(MonthSpend),
        ],
        add_version_condition=False,
    )


def exhausted(limits: Limits) -> BudgetExhausted:
    return BudgetExhausted(
        f"the monthly budget of ${limits.monthly_budget_usd:g} is spent",
        retry_after=seconds_to_next_month(clock.now()),
    )
