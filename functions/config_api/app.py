"""Config API: read and publish validated rule sets (`GET/PUT /v1/config/{kind}`), behind the API key."""

from leadflow import wiring
from leadflow.api.config_routes import RULE_SETS, router
from leadflow.api.deps import provide
from leadflow.api.handler import api_handler
from leadflow.api.resolver import build_resolver

app = build_resolver(router)

handler = api_handler(app, [provide(RULE_SETS, wiring.config_store)])
