"""Learnloop: the Chalice app. It wires blueprints, middleware and schedules; the work is in chalicelib."""

from chalice import Chalice

from chalicelib.api.ai_config import ai_config
from chalicelib.api.alerts import alerts
from chalicelib.api.analytics import analytics
from chalicelib.api.assortment import assortment
from chalicelib.api.catalog import catalog
from chalicelib.api.console import console
from chalicelib.api.context import contexts
from chalicelib.api.dashboard import dashboard
from chalicelib.api.designs import designs
from chalicelib.api.experiments import experiments
from chalicelib.api.generation import generation
from chalicelib.api.governance import governance
from chalicelib.api.health import health
from chalicelib.api.learning import learning
from chalicelib.api.middleware import http_middleware
from chalicelib.api.platform import platform
from chalicelib.api.prompts import prompts
from chalicelib.api.registry import registry
from chalicelib.api.registry_operations import registry_operations
from chalicelib.api.scheduler import scheduler
from chalicelib.api.sdk_compat import sdk_compat
from chalicelib.api.sessions import sessions
from chalicelib.api.tenants import tenants
from chalicelib.api.training import training
from chalicelib.api.webhooks import webhooks
from chalicelib.jobs.schedules import jobs
from chalicelib.jobs.streams import streams

app = Chalice(app_name="learnloop", configure_logs=False)
app.register_middleware(http_middleware, "http")
for blueprint in (
    health,
    tenants,
    platform,
    sessions,
    scheduler,
    jobs,
    streams,
    catalog,
    prompts,
    generation,
    designs,
    registry,
    registry_operations,
    learning,
    governance,
    experiments,
    contexts,
    assortment,
    analytics,
    training,
    alerts,
    webhooks,
    ai_config,
    dashboard,
    console,
    sdk_compat,
):
    app.register_blueprint(blueprint)
