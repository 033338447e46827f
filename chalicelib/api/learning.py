"""The registry's learning half: feedback on predictions, champion and challenger, deployment health, actions, companies."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from ..core.schemas import Page
from ..learning import actions, challengers, company_figures, feedback, health
from ..learning.schemas import (
    ActionQuery,
    AssignBody,
    Assignment,
    Challenger,
    ChallengerDecision,
    ChallengerSet,
    CompanyPerformance,
    DaysQuery,
    DeploymentHealth,
    FeedbackDecision,
    FeedbackQuality,
    FeedbackQuery,
    PredictionFeedback,
    PredictionFeedbackCreate,
    RegistryAction,
)
from ..tenancy.schemas import Role
from .http import Call, route

learning = Blueprint(__name__)
VERSION = "/v1/registry/models/{name}/{version}"
FEEDBACK = "/v1/registry/predictions/{prediction_id}/feedback"
CHALLENGER = "/v1/registry/deployments/{deployment_id}/challenger"
TAG = "registry"


def _by(call: Call[Any, Any]) -> str | None:
    return call.caller.key_id if call.caller is not None else None


# --- feedback on predictions ----------------------------------------------------------------------------


@route(
    learning,
    "POST",
    FEEDBACK,
    role=Role.APP,
    body=PredictionFeedbackCreate,
    status=201,
    response=PredictionFeedback,
    summary="Give feedback on a prediction: a correction, a rating, a comment or a flag (pending until processed)",
    tag=TAG,
    statuses=(404,),
)
def give_prediction_feedback(call: Call[PredictionFeedbackCreate, None]) -> PredictionFeedback:
    return feedback.give_feedback(call.tenant, call.params["prediction_id"], call.body)


@route(
    learning,
    "GET",
    FEEDBACK,
    role=Role.READ,
    query=FeedbackQuery,
    response=Page[PredictionFeedback],
    summary="A prediction's feedback, by status and type",
    tag=TAG,
    statuses=(404,),
)
def list_prediction_feedback(call: Call[None, FeedbackQuery]) -> Page[PredictionFeedback]:
    return feedback.list_for_prediction(call.tenant, call.params["prediction_id"], call.query)


@route(
    learning,
    "GET",
    f"{FEEDBACK}/{{feedback_id}}",
    role=Role.READ,
    response=PredictionFeedback,
    summary="One feedback and what processing did with it",
    tag=TAG,
    statuses=(404,),
)
def get_prediction_feedback(call: Call[None, None]) -> PredictionFeedback:
    return feedback.get_feedback(call.tenant, call.params["prediction_id"], call.params["feedback_id"])


@route(
    learning,
    "POST",
    f"{FEEDBACK}/{{feedback_id}}/process",
    role=Role.ADMIN,
    body=FeedbackDecision,
    response=PredictionFeedback,
    summary="Process (or ignore) a pending feedback now",
    tag=TAG,
    statuses=(404, 409),
)
def process_prediction_feedback(call: Call[FeedbackDecision, None]) -> PredictionFeedback:
    return feedback.decide(call.tenant, call.params["prediction_id"], call.params["feedback_id"], call.body, _by(call))


@route(
    learning,
    "GET",
    f"{VERSION}/feedback",
    role=Role.READ,
    query=FeedbackQuery,
    response=Page[PredictionFeedback],
    summary="A version's feedback, newest first, by status and type",
    tag=TAG,
    statuses=(404, 409),  # 409: a version name several companies use
)
def list_model_feedback(call: Call[None, FeedbackQuery]) -> Page[PredictionFeedback]:
    return feedback.list_for_version(call.tenant, call.params["name"], call.params["version"], call.query)


@route(
    learning,
    "GET",
    f"{VERSION}/feedback-quality",
    role=Role.READ,
    query=DaysQuery,
    response=FeedbackQuality,
    summary="A version's processed feedback per day: ratings, positive rate, corrections, flags",
    tag=TAG,
    statuses=(404, 409),  # 409: a version name several companies use
)
def get_model_feedback_quality(call: Call[None, DaysQuery]) -> FeedbackQuality:
    return feedback.quality(call.tenant, call.params["name"], call.params["version"], call.query.days)


# --- champion and challenger ------------------------------------------------------------------------------


@route(
    learning,
    "PUT",
    CHALLENGER,
    role=Role.ADMIN,
    body=ChallengerSet,
    response=Challenger,
    summary="Put a challenger version beside the deployed champion, serving a share of entities",
    tag=TAG,
    statuses=(404, 409),
)
def set_deployment_challenger(call: Call[ChallengerSet, None]) -> Challenger:
    return challengers.set_challenger(call.tenant, call.params["deployment_id"], call.body)


@route(
    learning,
    "GET",
    CHALLENGER,
    role=Role.READ,
    response=Challenger,
    summary="Champion against challenger on ground truth (z or Welch test, always-valid p-value)",
    tag=TAG,
    statuses=(404,),
)
def get_deployment_challenger(call: Call[None, None]) -> Challenger:
    return challengers.get_challenger(call.tenant, call.params["deployment_id"])


@route(
    learning,
    "POST",
    f"{CHALLENGER}/assign",
    role=Role.APP,
    body=AssignBody,
    response=Assignment,
    summary="The version that serves an entity (sticky for the life of the challenge)",
    tag=TAG,
    statuses=(404,),
)
def assign_deployment_version(call: Call[AssignBody, None]) -> Assignment:
    return challengers.assign(call.tenant, call.params["deployment_id"], call.body)


@route(
    learning,
    "POST",
    f"{CHALLENGER}/decision",
    role=Role.ADMIN,
    body=ChallengerDecision,
    response=Challenger,
    summary="Promote the challenger (it is deployed) or reject it, with the comparison as evidence",
    tag=TAG,
    statuses=(404, 409),
)
def decide_deployment_challenger(call: Call[ChallengerDecision, None]) -> Challenger:
    return challengers.decide(call.tenant, call.params["deployment_id"], call.body, _by(call))


# --- health, actions, companies ---------------------------------------------------------------------------


@route(
    learning,
    "GET",
    "/v1/registry/deployments/{deployment_id}/health",
    role=Role.READ,
    response=DeploymentHealth,
    summary="The deployment's latest health check and its performance figures (today, 7 days)",
    tag=TAG,
    statuses=(404,),
)
def get_deployment_health(call: Call[None, None]) -> DeploymentHealth:
    return health.get_health(call.tenant, call.params["deployment_id"])


@route(
    learning,
    "GET",
    "/v1/registry/actions",
    role=Role.READ,
    query=ActionQuery,
    response=Page[RegistryAction],
    summary="What policies and decisions made happen (retrain, rollback, notify, promote, reject), with their cause",
    tag=TAG,
)
def list_registry_actions(call: Call[None, ActionQuery]) -> Page[RegistryAction]:
    return actions.list_actions(call.tenant, call.query)


@route(
    learning,
    "GET",
    "/v1/registry/companies/{company_id}/performance",
    role=Role.READ,
    query=DaysQuery,
    response=CompanyPerformance,
    summary="A company's model versions, predictions, accuracy and feedback over n days",
    tag=TAG,
    statuses=(404,),
)
def get_company_performance(call: Call[None, DaysQuery]) -> CompanyPerformance:
    return company_figures.company_performance(call.tenant, call.params["company_id"], call.query.days)
