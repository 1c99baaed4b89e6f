"""Intake API: `POST /v1/leads` from website forms — validate, store durably, answer 202, publish `lead.submitted`."""

from leadflow.api.handler import api_handler
from leadflow.api.intake_routes import router
from leadflow.api.resolver import build_resolver

app = build_resolver(router)

handler = api_handler(app, counted=True)
