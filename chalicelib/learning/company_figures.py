"""Analytics per company: its model versions' predictions and ground truth, and its processed feedback, over n days.

Read from counters only (the versions' ground-truth counters and the company's feedback counters), so the cost
follows the company's versions and days, never its predictions. A version counts when it belongs to the company
(its `company_id`); predictions tagged with the company on a tenant-wide model count in that model's figures, not here.
"""

from __future__ import annotations

from datetime import timedelta

from ..companies import scope
from ..core import clock
from ..core.errors import NotFound
from ..monitoring import metrics, performance
from ..registry import models
from . import feedback
from .schemas import CompanyModelFigures, CompanyPerformance


def company_performance(tenant_id: str, company_id: str, days: int) -> CompanyPerformance:
    if not scope.visible(company_id):
        raise NotFound(f"no company {company_id}")
    today = clock.now().date()
    first = today - timedelta(days=days - 1)
    versions, correct, labelled = [], 0, 0
    for model in models.of_company(tenant_id, company_id):
        read = performance.read_days(tenant_id, model, first, today)
        figures = performance.figures(read, first, today, metrics.positive_label(model.positive_label, read.labels()))
        if not read.regression:
            for day in read.cells.values():
                for (actual, predicted), n in day.items():
                    labelled += int(n)
                    correct += int(n) if actual == predicted else 0
        versions.append(
            CompanyModelFigures(
                model_name=model.model_name,
                model_version=model.model_version,
                status=model.status,
                predictions=figures.predictions,
                samples=figures.samples,
                metrics=figures.values,
            )
        )
    return CompanyPerformance(
        company_id=company_id,
        days=days,
        models=len(versions),
        predictions=sum(v.predictions for v in versions),
        samples=sum(v.samples for v in versions),
        accuracy=correct / labelled if labelled else None,
        feedback=feedback.company_quality(tenant_id, company_id, days),
        versions=versions,
    )
