"""The company field every company-aware body, view and list query shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from ..core.schemas import ListQuery

CompanyId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")]
# seed 003's companyId
COMPANY_DESCRIPTION = "The company inside the tenant this belongs to; null: the tenant as a whole."


class CompanyListQuery(ListQuery):
    company_id: CompanyId | None = Field(
        default=None, description="Only this company's items (a company-scoped key always sees its company's alone)."
    )
