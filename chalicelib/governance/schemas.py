"""What the governance routes take and give."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue, StringConstraints, model_validator

from ..core.schemas import ListQuery, Name, RequestBody, View

# performance, drift, fairness, bias_detection, data_quality, and the seed's transparency, privacy, security; the
# thresholds decide what is checked, so a team's own type names are kept as given.
PolicyType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
PolicyStatus = Literal["active", "inactive", "draft"]
ViolationStatus = Literal["open", "investigating", "resolved", "false_positive"]
Severity = Literal["low", "medium", "high", "critical"]


class PolicyCreate(RequestBody):
    """A governance policy. docs/registry.md lists the rules and thresholds of each type."""

    # seed 003's AIGovernance

    policy_name: Name
    policy_type: PolicyType
    rules: dict[str, JsonValue] = Field(default_factory=dict)
    thresholds: dict[str, float] = Field(default_factory=dict)
    status: PolicyStatus = "active"
    description: str | None = Field(default=None, max_length=4000)


class PolicyPatch(RequestBody):
    status: PolicyStatus | None = None
    rules: dict[str, JsonValue] | None = None
    thresholds: dict[str, float] | None = None
    description: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _something_to_change(self) -> PolicyPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one of status, rules, thresholds, description")
        return self


class Policy(View):
    id: str
    policy_id: str
    policy_name: str
    policy_type: str
    status: str
    rules: dict[str, JsonValue]
    thresholds: dict[str, float]
    description: str | None = None
    checked: bool = Field(description="Whether some automatic check (performance, drift, fairness, data quality) applies it.")
    created_at: str
    updated_at: str


class ViolationQuery(ListQuery):
    status: ViolationStatus | None = None


class ViolationPatch(RequestBody):
    status: ViolationStatus
    resolution: str | None = Field(default=None, max_length=4000)


class ViolationChange(View):
    from_status: str | None
    to_status: str
    at: str
    by: str | None = None


class Violation(View):
    id: str
    violation_id: str
    policy_id: str
    policy_name: str
    policy_type: str
    violation_type: str
    severity: Severity
    status: ViolationStatus
    description: str
    details: dict[str, JsonValue] = Field(default_factory=dict)
    model_id: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    subject: str | None = None
    metric: str
    value: float = Field(description="The figure that opened the violation.")
    latest_value: float = Field(description="The figure at the latest check of the same window.")
    latest_at: str
    threshold: float
    window: str
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_at: str | None = None
    status_history: list[ViolationChange] = Field(default_factory=list)
    opened_at: str
    updated_at: str
