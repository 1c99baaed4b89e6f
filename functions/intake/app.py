"""Intake API: `POST /v1/leads` from website forms — validate, store durably, answer 202, publish `lead.submitted`."""

from leadflow.api.deps import provide
from leadflow.api.handler import api_handler
from leadflow.api.intake_routes import INTAKE, router
from leadflow.api.resolver import build_resolver
from leadflow.wiring import api as api_wiring

app = build_resolver(router)

handler = api_handler(app, [provide(INTAKE, api_wiring.intake_deps)], counted=True)
