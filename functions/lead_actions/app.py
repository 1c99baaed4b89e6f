"""Sales actions on a lead: stage changes (`POST /v1/leads/{id}/stage`: accept, qualify, open_opportunity, win,
disqualify), closed-loop outcomes (`POST /v1/leads/{id}/outcome`), rep touches (`POST /v1/leads/{id}/touch`), and
marketing consent (`POST /v1/leads/{id}/consent`), and a person's erasure and export (`DELETE /v1/leads/{id}`,
`GET /v1/leads/{id}/export`), behind the API key."""

from leadflow import wiring
from leadflow.api import consent_routes, erasure_routes, lifecycle_routes, sla_routes
from leadflow.api.deps import provide
from leadflow.api.handler import api_handler
from leadflow.api.resolver import build_resolver
from leadflow.wiring import erasure as erasure_wiring

app = build_resolver(lifecycle_routes.router, sla_routes.router, consent_routes.router, erasure_routes.router)

handler = api_handler(
    app,
    [
        provide(lifecycle_routes.STAGE_CHANGE, wiring.stage_change_deps),
        provide(lifecycle_routes.OUTCOME, wiring.outcome_deps),
        provide(sla_routes.TOUCH, wiring.touch_deps),
        provide(consent_routes.CONSENT, wiring.consent_deps),
        provide(erasure_routes.ERASURE, erasure_wiring.erasure_deps),
        provide(erasure_routes.EXPORT, erasure_wiring.export_deps),
    ],
)
