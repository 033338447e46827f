"""What the customer routes take and give."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, JsonValue, StringConstraints

from ..core.schemas import ClientId, RequestBody, View

Short = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class SpecialDate(RequestBody):
    date: dt.date
    label: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class CustomerPut(RequestBody):
    """PUT replaces the record: a field left out is cleared."""

    recipient_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    birthday: dt.date | None = None
    anniversary: dt.date | None = None
    special_dates: list[dt.date | SpecialDate] = Field(default_factory=list, max_length=100)
    preferences: dict[str, JsonValue] = Field(default_factory=dict)
    allergies: list[Short] = Field(default_factory=list, max_length=50)
    favorite_flowers: list[Short] = Field(default_factory=list, max_length=50)
    favorite_colors: list[Short] = Field(default_factory=list, max_length=50)
    budget_preference: Short | None = None
    user_id: ClientId | None = Field(default=None, description="The end user this record belongs to (default: the customer id).")


class SpecialDateView(View):
    date: dt.date
    label: str


class Customer(View):
    id: str
    customer_id: str
    user_id: str
    recipient_name: str | None = None
    birthday: dt.date | None = None
    anniversary: dt.date | None = None
    special_dates: list[dt.date | SpecialDateView] = Field(default_factory=list)
    preferences: dict[str, JsonValue] = Field(default_factory=dict)
    allergies: list[str] = Field(default_factory=list)
    favorite_flowers: list[str] = Field(default_factory=list)
    favorite_colors: list[str] = Field(default_factory=list)
    budget_preference: str | None = None
    created_at: str
    updated_at: str
