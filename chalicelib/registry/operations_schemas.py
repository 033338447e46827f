"""What the registry's experiment and deployment routes take and give."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, JsonValue, model_validator

from ..companies.schemas import COMPANY_DESCRIPTION, CompanyId, CompanyListQuery
from ..core.schemas import ClientId, Name, RequestBody, View
from .schemas import Environment, ModelName, ModelVersion

# --- experiments -------------------------------------------------------------------------------


class MlExperimentCreate(RequestBody):
    experiment_name: Name
    objective: str = Field(min_length=1, max_length=2000)
    hypothesis: str = Field(min_length=1, max_length=4000)
    baseline_model: ClientId | None = None
    current_model: ClientId | None = None
    success_metrics: dict[str, JsonValue] = Field(default_factory=dict)
    methodology: dict[str, JsonValue] = Field(default_factory=dict)
    company_id: CompanyId | None = Field(default=None, description=COMPANY_DESCRIPTION)


class MlExperimentPatch(RequestBody):
    status: Literal["active", "completed", "archived"] | None = None
    current_model: ClientId | None = None
    results: dict[str, JsonValue] | None = None
    conclusions: str | None = Field(default=None, max_length=8000)

    @model_validator(mode="after")
    def _something_to_change(self) -> MlExperimentPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one of status, current_model, results, conclusions")
        return self


class MlExperiment(View):
    id: str
    experiment_id: str
    experiment_name: str
    objective: str
    hypothesis: str
    status: str
    baseline_model: str | None = None
    current_model: str | None = None
    success_metrics: dict[str, JsonValue] = Field(default_factory=dict)
    methodology: dict[str, JsonValue] = Field(default_factory=dict)
    results: dict[str, JsonValue] | None = None
    conclusions: str | None = None
    company_id: str | None = None
    created_at: str
    updated_at: str


# --- deployments -------------------------------------------------------------------------------


class DeploymentCreate(RequestBody):
    deployment_name: Name
    model_name: ModelName
    model_version: ModelVersion
    environment: Environment = Field(description="development, staging, production, ...")
    endpoint: str | None = Field(default=None, max_length=2000)
    config: dict[str, JsonValue] = Field(default_factory=dict)


class DeploymentPatch(RequestBody):
    status: Literal["rolled_back"]
    reason: str | None = Field(default=None, max_length=2000)


class DeploymentListQuery(CompanyListQuery):
    model_name: ModelName | None = None
    environment: Environment | None = None


class MlDeployment(View):
    id: str
    deployment_id: str
    deployment_name: str
    model_id: str
    model_name: str
    model_version: str
    environment: str
    status: str
    endpoint: str | None = None
    config: dict[str, JsonValue] = Field(default_factory=dict)
    company_id: str | None = Field(default=None, description="Its model's company.")
    replaced_deployment_id: str | None = Field(default=None, description="The deployment this one superseded.")
    restored_deployment_id: str | None = Field(default=None, description="Set on rollback: the deployment active again.")
    reason: str | None = None
    created_at: str
    updated_at: str
    rolled_back_at: str | None = None
