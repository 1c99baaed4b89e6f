"""Reports API: the funnel, speed to lead and SLA compliance (`GET /v1/reports/*`), behind the API key, read from
the report projections."""

from leadflow.api.deps import provide
from leadflow.api.handler import api_handler
from leadflow.api.report_routes import REPORTS, router
from leadflow.api.resolver import build_resolver
from leadflow.wiring import reports as reports_wiring

app = build_resolver(router)

handler = api_handler(app, [provide(REPORTS, reports_wiring.report_read_deps)])
