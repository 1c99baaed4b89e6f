"""Leads API: reads behind an API key (leads, a lead, a submission) and the public OpenAPI document."""

from typing import Any

from leadflow.api import all_routers, read_routes
from leadflow.api.deps import provide
from leadflow.api.handler import api_handler
from leadflow.api.resolver import build_resolver, openapi_document
from leadflow.wiring import api as api_wiring

app = build_resolver(read_routes.router)


@app.get("/v1/openapi.json", include_in_schema=False)
def openapi() -> dict[str, Any]:
    return openapi_document(*all_routers())


handler = api_handler(app, [provide(read_routes.READS, api_wiring.read_deps)])
