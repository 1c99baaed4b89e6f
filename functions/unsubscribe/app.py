"""One-click unsubscribe (`GET` and `POST /v1/unsubscribe?token=`): public, the link's signed token is the
credential; the confirmation page, and the one-click form that withdraws marketing consent and suppresses the
address."""

from leadflow.api import unsubscribe_routes
from leadflow.api.deps import provide
from leadflow.api.handler import api_handler
from leadflow.api.resolver import build_resolver
from leadflow.wiring import mail as mail_wiring

app = build_resolver(unsubscribe_routes.router)

# The body is the RFC 8058 form (`List-Unsubscribe=One-Click`) or empty and is not read: handed over as sent.
handler = api_handler(app, [provide(unsubscribe_routes.UNSUBSCRIBE, mail_wiring.unsubscribe_deps)], raw_bodies=True)
