"""Curation API: list, merge or dismiss possible duplicates and undo merges (`GET /v1/duplicates`,
`POST /v1/leads/{id}/duplicates/{other}`, `POST /v1/leads/{id}/unmerge`), behind the API key."""

from leadflow import wiring
from leadflow.api.curation_routes import CURATION, router
from leadflow.api.deps import provide
from leadflow.api.handler import api_handler
from leadflow.api.resolver import build_resolver

app = build_resolver(router)

handler = api_handler(app, [provide(CURATION, wiring.curation_deps)])
