"""Webhooks API: `POST /v1/webhooks/{provider}` — verify the signature, record each engagement event once, publish
`engagement.recorded` for known leads and park the rest until their lead arrives."""

from leadflow import wiring
from leadflow.api.deps import provide
from leadflow.api.handler import api_handler
from leadflow.api.resolver import build_resolver
from leadflow.api.webhook_routes import ENGAGEMENT, WEBHOOK_SECRETS, router

app = build_resolver(router)

handler = api_handler(
    app,
    [provide(WEBHOOK_SECRETS, wiring.webhook_secrets), provide(ENGAGEMENT, wiring.engagement_deps)],
    counted=True,
    raw_bodies=True,
)
