"""Champion and challenger: a deployment splits its entities between two versions and promotes on ground truth.

`PUT .../deployments/{id}/challenger` names another version of the deployed model and the share of entities it
serves. `POST .../challenger/assign` answers which version serves an entity: the entity's point in [0, 1), a hash
of (challenger id, entity), below the share is the challenger's, so an entity stays with its version for the life of
the challenge whatever else happens (the experiments' sticky assignment, chalicelib/experiments/assignment.py).

The comparison reads the challenge's own counters: a prediction recorded with the deployment's id
(`deployment_id`) while the challenge runs is tagged with the challenge and its role, and its ground truth counts
there (a replaced one by the difference), so neither arm holds the version's other traffic or what it predicted
before the challenge began. It uses the experiments' own
statistics (chalicelib/experiments/stats.py): for classifiers the two-proportion z-test of accuracy (correct over
labelled), for regressions Welch's t-test of the absolute error, each with the mixture-SPRT always-valid p-value,
whose running minimum is kept on the challenge (every look lowers it or leaves it). Once both versions have
`min_samples` ground truths and the always-valid p-value is at most `alpha`, the recommendation is to promote a
better challenger or reject a worse one. Promotion is a decision with its evidence: by request
(`POST .../challenger/decision`), or by the `probe-deployments` task when the challenge says `auto_promote`.
Promoting deploys the challenger in the deployment's environment (the champion's deployment is superseded and
stays on record for a rollback); rejecting ends the challenge. Either is recorded as an action with an event.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import JsonValue
from pynamodb.exceptions import UpdateError

from ..companies import scope
from ..core import clock, extensions, keys, persist, storage
from ..core.errors import Conflict, ValidationFailed
from ..core.ids import new_id
from ..experiments import stats
from ..monitoring import performance
from ..registry import deployments, lifecycle, models
from ..registry.schemas import DeploymentCreate
from . import actions
from .schemas import ArmFigures, AssignBody, Assignment, Challenger, ChallengerComparison, ChallengerDecision, ChallengerSet
from .store import ChallengerItem


def set_challenger(tenant_id: str, deployment_id: str, data: ChallengerSet) -> Challenger:
    deployment = deployments.get_deployment(tenant_id, deployment_id)  # 404 outside the request's company
    if deployment.status != "active":
        raise Conflict(
            f"deployment {deployment_id} is {deployment.status}: only the active one takes a challenger", code="not_active"
        )
    if data.model_version == deployment.model_version:
        raise ValidationFailed.field("body.model_version", f"{data.model_version} is the champion already")
    with scope.bound(deployment.company_id or scope.current()):  # the deployed model's company names the version
        challenger = models.load(tenant_id, deployment.model_name, data.model_version)
    if challenger.status not in lifecycle.PREDICTABLE or challenger.status == "training":
        raise Conflict(
            f"{deployment.model_name} {data.model_version} is {challenger.status}: a challenger must be validated (or "
            "active or deprecated) to serve",
            code="model_not_serving",
        )
    key = keys.ml_challenger(tenant_id, deployment_id)
    current = storage.get(ChallengerItem, key)
    if current is not None and current.status == "running":
        raise Conflict(
            f"deployment {deployment_id} has a running challenger ({current.challenger_version}): decide it first",
            code="challenger_running",
        )
    now = clock.iso(clock.now())
    item = ChallengerItem(
        key.pk,
        key.sk,
        id=new_id("chl"),
        deployment_id=deployment_id,
        environment=deployment.environment,
        model_name=deployment.model_name,
        champion_version=deployment.model_version,
        champion_model_id=deployment.model_id,
        challenger_version=challenger.model_version,
        challenger_model_id=challenger.id,
        company_id=deployment.company_id,
        share=data.share,
        auto_promote=data.auto_promote,
        min_samples=data.min_samples,
        alpha=data.alpha,
        status="running",
        started_at=now,
    )
    try:
        storage.commit([persist.replacing(item, current)])
    except storage.ConditionFailed as exc:
        if exc.conflict:
            raise
        raise Conflict(f"deployment {deployment_id}'s challenger changed meanwhile", code="version_conflict") from exc
    return view(tenant_id, item)


def get_challenger(tenant_id: str, deployment_id: str) -> Challenger:
    return view(tenant_id, _load(tenant_id, deployment_id), look=True)


def assign(tenant_id: str, deployment_id: str, data: AssignBody) -> Assignment:
    deployment = deployments.get_deployment(tenant_id, deployment_id)
    found = storage.get(ChallengerItem, keys.ml_challenger(tenant_id, deployment_id))
    serving = deployment.model_version
    role: Any = "champion"
    if found is not None and found.status == "running" and found.champion_version == deployment.model_version:
        if point(found.id, data.entity_id) < float(found.share):
            serving, role = found.challenger_version, "challenger"
    return Assignment(
        deployment_id=deployment_id,
        entity_id=data.entity_id,
        model_name=deployment.model_name,
        model_version=serving,
        role=role,
        challenger_id=found.id if found is not None and found.status == "running" else None,
    )


def decide(tenant_id: str, deployment_id: str, data: ChallengerDecision, by: str | None) -> Challenger:
    item = _load(tenant_id, deployment_id)
    if item.status != "running":
        raise Conflict(
            f"the challenge of deployment {deployment_id} is decided already ({item.status})", code="challenger_decided"
        )
    evidence = view(tenant_id, item, look=True)
    return view(tenant_id, _decide(tenant_id, item, data.outcome, by or "request", data.reason, evidence))


def evaluate(tenant_id: str, item: ChallengerItem) -> str | None:
    """The probe's look at an `auto_promote` challenge: promote or reject it when its statistics say so."""
    evidence = view(tenant_id, item, look=True)
    wanted = evidence.comparison.recommendation if evidence.comparison is not None else "continue"
    if not item.auto_promote or wanted == "continue":
        return None
    _decide(tenant_id, item, wanted, "policy", "auto_promote: the always-valid p-value reached alpha", evidence)
    return wanted


def running(tenant_id: str, deployment_id: str) -> ChallengerItem | None:
    found = storage.get(ChallengerItem, keys.ml_challenger(tenant_id, deployment_id))
    return found if found is not None and found.status == "running" else None


def point(challenger_id: str, entity_id: str) -> float:
    """The entity's fixed point in [0, 1) for this challenge."""
    digest = hashlib.sha256(f"{challenger_id}\x1f{entity_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def compare(tenant_id: str, item: ChallengerItem) -> tuple[list[ArmFigures], ChallengerComparison | None, float | None]:
    """Both arms' figures from the challenge's own counters, the comparison, and this look's always-valid p-value."""
    champion = _model(tenant_id, item.model_name, item.champion_version, item.company_id, item.champion_model_id)
    regression = performance.is_regression(champion)
    arms = [_arm(tenant_id, item, role, regression) for role in ("champion", "challenger")]
    control, variant = arms[0][1], arms[1][1]
    if regression:
        test = stats.welch(control, variant)
        chance = 1.0 - stats.normal_chance_to_beat(test.difference, test.variance)  # lower error is better
        better = None if test.difference is None else test.difference < 0
    else:
        test = stats.two_proportions(control[0], control[1], variant[0], variant[1])
        chance = stats.beta_chance_to_beat(
            1 + control[0], 1 + control[1] - control[0], 1 + variant[0], 1 + variant[1] - variant[0]
        )
        better = None if test.difference is None else test.difference > 0
    now_p = stats.msprt_p_value(test.difference, test.variance, test.n_total, alpha=float(item.alpha))
    running_p = min(now_p, float(item.min_p_value)) if item.min_p_value is not None else now_p
    ready = all(arm.samples >= int(item.min_samples) for arm, _ in arms)
    recommendation = "continue"
    if ready and running_p <= float(item.alpha) and better is not None and test.difference != 0:
        recommendation = "promote" if better else "reject"
    comparison = ChallengerComparison(
        metric="mae" if regression else "accuracy",
        test="welch_t" if regression else "two_proportion_z",
        difference=test.difference,
        lift=test.lift,
        ci95=list(test.ci95) if test.ci95 is not None else None,
        statistic=test.statistic,
        df=test.df,
        p_value=test.p_value,
        always_valid_p_value=running_p,
        always_valid_p_value_now=now_p,
        chance_to_beat_champion=chance,
        challenger_better=better,
        ready=ready,
        recommendation=recommendation,  # type: ignore[arg-type]
    )
    return [arm for arm, _ in arms], comparison, now_p


def _arm(tenant_id: str, item: ChallengerItem, role: str, regression: bool) -> tuple[ArmFigures, Any]:
    """One arm's ground truth: what the challenge's counters hold for that role (predictions its deployment served
    after the challenge started, whatever the version's other traffic)."""
    version = item.champion_version if role == "champion" else item.challenger_version
    if regression:
        fields = performance.challenge_errors(tenant_id, item.id, role)
        n, abs_sum, sq_sum = fields.get("n", 0), fields.get("abs_error_sum", 0), fields.get("sq_error_sum", 0)
        moments = stats.Moments(round(n), abs_sum, sq_sum)  # the absolute error's: |e|^2 = e^2
        value = abs_sum / n if n else None
        figures = ArmFigures(model_version=version, role=role, samples=moments.n, metric="mae", value=value)  # type: ignore[arg-type]
        return figures, moments
    correct = total = 0
    for (actual, predicted), count in performance.challenge_cells(tenant_id, item.id, role).items():
        n = int(count)
        total += n
        correct += n if actual == predicted else 0
    figures = ArmFigures(
        model_version=version,
        role=role,  # type: ignore[arg-type]
        samples=total,
        metric="accuracy",
        value=correct / total if total else None,
        successes=correct,
    )
    return figures, (correct, total)


def _decide(
    tenant_id: str, item: ChallengerItem, outcome: str, by: str, reason: str | None, evidence: Challenger
) -> ChallengerItem:
    """Record the decision (promote: deploy the challenger) with its evidence, once."""
    if outcome == "promote":  # refuse before deciding: a version that cannot become active is not promoted
        target = _model(tenant_id, item.model_name, item.challenger_version, item.company_id, item.challenger_model_id)
        lifecycle.check_move("model", lifecycle.MODEL_MOVES, target.status, "active", f"{item.model_name} {target.model_version}")
    name = deployments.get_deployment(tenant_id, item.deployment_id).deployment_name
    proof: dict[str, JsonValue] = {
        "arms": [arm.model_dump(mode="json") for arm in evidence.arms],
        "comparison": evidence.comparison.model_dump(mode="json") if evidence.comparison is not None else None,
    }
    now = clock.iso(clock.now())
    decision: dict[str, Any] = {"outcome": outcome, "by": by, "reason": reason, "at": now, "evidence": proof}
    item.status = "promoted" if outcome == "promote" else "rejected"
    item.decision, item.decided_at = decision, now
    try:
        storage.commit([persist.bump(item, ChallengerItem.status == "running")])
    except storage.ConditionFailed as exc:
        if exc.conflict:
            raise
        raise Conflict(f"the challenge {item.id} was decided meanwhile", code="challenger_decided") from exc
    cause = {"challenger_id": item.id, "deployment_id": item.deployment_id, "decision": decision}
    claimed = actions.claim(
        tenant_id, outcome, cause, item.model_name, item.challenger_version, f"{item.id}#{outcome}", item.challenger_model_id
    )
    result: dict[str, Any] = {"champion_version": item.champion_version, "challenger_version": item.challenger_version}
    if outcome == "promote":
        with scope.bound(item.company_id):
            deployed = deployments.deploy(
                tenant_id,
                DeploymentCreate(
                    deployment_name=name,
                    model_name=item.model_name,
                    model_version=item.challenger_version,
                    environment=item.environment,
                    config={"promoted_from_challenger": item.id},
                ),
            )
        result["deployment_id"] = deployed.id
        decision["deployment_id"] = deployed.id
        item.decision = decision
        storage.commit([storage.Put(item)])
    if claimed is not None:
        actions.record(tenant_id, claimed, "done", result)
    return item


def _model(tenant_id: str, model_name: str, model_version: str, company_id: str | None, model_id: str) -> models.Version:
    with scope.bound(company_id):  # the challenge was checked against the request's company when it was read
        return models.load(tenant_id, model_name, model_version, model_id=model_id)


def _lower(tenant_id: str, item: ChallengerItem, now_p: float) -> None:
    """Keep this look's always-valid p-value when it is below the running minimum (a lower one found meanwhile stands)."""
    if item.min_p_value is not None and float(item.min_p_value) <= now_p:
        return
    try:
        item.update(
            actions=[ChallengerItem.min_p_value.set(now_p)],
            condition=ChallengerItem.min_p_value.does_not_exist() | (ChallengerItem.min_p_value > now_p),
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        # Another look stored a lower minimum meanwhile; it stands.


def _load(tenant_id: str, deployment_id: str) -> ChallengerItem:
    deployments.get_deployment(tenant_id, deployment_id)  # 404 outside the request's company
    key = keys.ml_challenger(tenant_id, deployment_id)
    return persist.load(ChallengerItem, key, f"deployment {deployment_id} has no challenger: PUT .../challenger sets one")


def view(tenant_id: str, item: ChallengerItem, *, look: bool = False) -> Challenger:
    arms: list[ArmFigures] = []
    comparison = None
    if item.status == "running" or look:
        arms, comparison, now_p = compare(tenant_id, item)
        if look and item.status == "running" and now_p is not None:
            _lower(tenant_id, item, now_p)
    return Challenger(
        id=item.id,
        challenger_id=item.id,
        deployment_id=item.deployment_id,
        environment=item.environment,
        model_name=item.model_name,
        champion_version=item.champion_version,
        challenger_version=item.challenger_version,
        company_id=item.company_id,
        share=float(item.share),
        auto_promote=bool(item.auto_promote),
        min_samples=int(item.min_samples),
        alpha=float(item.alpha),
        status=item.status,  # type: ignore[arg-type]
        started_at=item.started_at,
        decided_at=item.decided_at,
        decision=item.decision,
        arms=arms,
        comparison=comparison,
    )


def running_challenge(tenant_id: str, deployment_id: str) -> extensions.Challenge | None:
    """The deployment's running challenge as monitoring tags predictions with it (a deployment challenge,
    chalicelib/contributions.py)."""
    found = running(tenant_id, deployment_id)
    if found is None:
        return None
    return extensions.Challenge(found.id, found.champion_version, found.challenger_version)
