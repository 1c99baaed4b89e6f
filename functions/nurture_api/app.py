"""Nurture API: enrol a lead in a track or remove it (`POST/DELETE /v1/leads/{id}/nurture`) and a track's A/B
results (`GET /v1/nurture/tracks/{id}/stats`), behind the API key."""

from leadflow.api.deps import provide
from leadflow.api.handler import api_handler
from leadflow.api.nurture_routes import NURTURE, router
from leadflow.api.resolver import build_resolver
from leadflow.wiring import nurture as nurture_wiring

app = build_resolver(router)

handler = api_handler(app, [provide(NURTURE, nurture_wiring.nurture_deps)])
