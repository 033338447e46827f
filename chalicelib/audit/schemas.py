"""What GET /v1/audit takes and gives."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ..core.schemas import ListQuery, View

Action = Literal["export", "dataset_download", "customer_read"]


class AuditQuery(ListQuery):
    action: Action | None = None


class AuditEntry(View):
    id: str
    action: Action
    key_id: str | None = Field(default=None, description="The API key that read the data.")
    role: str | None = Field(default=None, description="That key's role.")
    target: str | None = Field(
        default=None,
        description="What was read: the export's window, the dataset and split, the customer record "
        "(`erased:<keyed hash>` once its user was erased).",
    )
    details: dict[str, Any] = Field(default_factory=dict)
    created_at: str
