"""Curation API: merge or dismiss possible duplicates and undo merges (`POST /v1/leads/{id}/duplicates/{other}`,
`POST /v1/leads/{id}/unmerge`), behind the API key."""

from leadflow.api.curation_routes import router
from leadflow.api.handler import api_handler
from leadflow.api.resolver import build_resolver

app = build_resolver(router)

handler = api_handler(app)
