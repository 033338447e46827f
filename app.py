"""Learnloop: the Chalice app. It registers every route, the middleware and the schedules; the work is in chalicelib.

Importing it imports no capability: each route family's module is imported on the family's first request
(chalicelib/api/families.py), so a cold Lambda pays only for what its request uses (docs/architecture.md).
"""

from chalice import Chalice

from chalicelib.api import families
from chalicelib.jobs.schedules import jobs
from chalicelib.jobs.streams import streams

app = Chalice(app_name="learnloop", configure_logs=False)
families.register(app)
app.register_blueprint(jobs)
app.register_blueprint(streams)
