"""Reps and teams (`GET /v1/reps`, `GET /v1/teams`) and managers' reassignments (`POST /v1/leads/{id}/reassign`),
behind the API key."""

from leadflow import wiring
from leadflow.api.deps import provide
from leadflow.api.handler import api_handler
from leadflow.api.resolver import build_resolver
from leadflow.api.routing_routes import ROUTING, router

app = build_resolver(router)

handler = api_handler(app, [provide(ROUTING, wiring.reassignment_deps)])
