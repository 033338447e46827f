"""Shared pydantic building blocks: the base of request bodies, common field types, pages.

Every model builds its validator and serializer when first used (`defer_build`), not when its module is imported:
a cold Lambda's first request builds the few its route uses, not every model of the family's modules.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from . import clock, limits
from .pagination import DEFAULT_LIMIT, MAX_LIMIT

T = TypeVar("T")


class RequestBody(BaseModel):
    """A request body: strict types (no "5" for 5), unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class QueryParams(BaseModel):
    """Query strings arrive as text, so they are parsed leniently ("50" is 50); unknown ones refused."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class ListQuery(QueryParams):
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = None


class View(BaseModel):
    """An answer of the API."""

    model_config = ConfigDict(from_attributes=True, defer_build=True)

    @classmethod
    def of(cls, item: object, /, **given: Any) -> Self:
        """This view of a stored item, validated: each field from the item's attribute of the same name, or from
        `given` (a field named otherwise, derived, or shaped for the answer). A field neither has keeps its default."""
        data: dict[str, Any] = {}
        for name in cls.model_fields:
            value = given[name] if name in given else getattr(item, name, _NOTHING)
            if value is not _NOTHING and not callable(value):  # not an item's method (`count`, `update`)
                data[name] = value
        return cls.model_validate(data)


_NOTHING = object()


class Page(View, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def _no_control_chars(value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


# An identifier chosen by the client (a user, a project, a store): 1-128 printable characters.
ClientId = Annotated[str, StringConstraints(min_length=1, max_length=128), AfterValidator(_no_control_chars)]
# A key the tenant defines (a task category, a task name): lower-case words.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-.:]{0,99}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_no_control_chars)]


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.now().tzinfo)


D = TypeVar("D", bound=date)


def in_years(moment: D) -> D:
    """A date or time within the years Learnloop holds (limits.EARLIEST_YEAR to LATEST_YEAR): outside them the
    window and month arithmetic overflows or formats years of fewer than 4 digits (year 265 was a 500)."""
    if not limits.EARLIEST_YEAR <= moment.year <= limits.LATEST_YEAR:
        raise ValueError(f"must be between the years {limits.EARLIEST_YEAR} and {limits.LATEST_YEAR}")
    return moment


Timestamp = Annotated[datetime, AfterValidator(utc), AfterValidator(in_years)]
