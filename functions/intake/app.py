"""Intake API: `POST /v1/leads` from website forms — validate, store durably, answer 202, publish `lead.submitted`."""

from leadflow import wiring
from leadflow.api.deps import provide
from leadflow.api.handler import api_handler
from leadflow.api.intake_routes import INTAKE, router
from leadflow.api.resolver import build_resolver

app = build_resolver(router)

handler = api_handler(app, [provide(INTAKE, wiring.intake_deps)], counted=True)
