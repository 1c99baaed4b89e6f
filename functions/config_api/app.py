"""Config API: read and publish validated rule sets (`GET/PUT /v1/config/{kind}`), behind the API key."""

from leadflow.api.config_routes import router
from leadflow.api.handler import api_handler
from leadflow.api.resolver import build_resolver

app = build_resolver(router)

handler = api_handler(app)
