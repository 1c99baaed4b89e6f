"""The wiring of mail consent: who may be mailed (the suppression list by email, with the erasure salt), the
one-click unsubscribe links' secret, and the deps of the unsubscribe routes and of SES's delivery events, over
leadflow.wiring's clients (nothing is cached here, so wiring.reset() resets this too). The nurture wiring takes
`marketing_blocked`, `transactional_blocked` and `unsubscribe_link` from here: one decision for every send."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from leadflow import wiring
from leadflow.clock import current_clock
from leadflow.settings import settings
from leadflow.wiring import erasure as erasure_wiring

if TYPE_CHECKING:
    from datetime import datetime

    from leadflow.adapters.dynamodb.lead_store import DynamoLeadStore
    from leadflow.adapters.eventbridge import EventBridgeBus
    from leadflow.models.lead import Lead
    from leadflow.ports import Clock
    from leadflow.services.mail_events import MailEventDeps
    from leadflow.services.mail_permission import SaltedSuppressions
    from leadflow.services.unsubscribe import UnsubscribeDeps


def mail_suppressions() -> SaltedSuppressions:
    """The suppression list by canonical email for mail: unsubscribes, bounces, complaints and erasures."""
    from leadflow.services.mail_permission import SaltedSuppressions

    return SaltedSuppressions(erasure_wiring.suppression_list(), erasure_wiring.suppression_check().salt)


def marketing_blocked(lead: Lead) -> str | None:
    """Why no marketing email may go to the lead now (None: it may); the one decision every send asks."""
    from leadflow.services.mail_permission import may_send_marketing

    return may_send_marketing(lead, mail_suppressions())


def transactional_blocked(lead: Lead) -> str | None:
    """Why no transactional email (one the person asked for) may go to the lead now (None: it may)."""
    from leadflow.services.mail_permission import may_send_transactional

    return may_send_transactional(lead, mail_suppressions())


def unsubscribe_secret() -> str:
    """The one-click links' signing secret: LEADFLOW_UNSUBSCRIBE_SECRET locally, else the SecureString parameter
    UNSUBSCRIBE_SECRET_PARAMETER names. Changing it invalidates every link already sent."""
    config = settings()
    if config.unsubscribe_secret is not None:
        return config.unsubscribe_secret.get_secret_value()
    if not config.unsubscribe_secret_parameter:
        raise RuntimeError(
            "no unsubscribe secret: set UNSUBSCRIBE_SECRET_PARAMETER (LEADFLOW_UNSUBSCRIBE_SECRET locally)"
        )
    from aws_lambda_powertools.utilities.parameters import get_parameter

    return str(get_parameter(config.unsubscribe_secret_parameter, decrypt=True))


def unsubscribe_url(lead_id: str, list_id: str, *, now: datetime) -> str:
    """The signed one-click link of a lead and list (valid a year from `now`), on the API's public address."""
    from leadflow.services.unsubscribe import unsubscribe_url as service_url

    return service_url(lead_id, list_id, now=now, secret=unsubscribe_secret(), base_url=settings().api_base_url)


def unsubscribe_link(lead_id: str, list_id: str, now: datetime) -> str:
    return unsubscribe_url(lead_id, list_id, now=now)


@dataclass(frozen=True)
class MailConsentAdapters:
    """What the unsubscribe link and SES's delivery events are handed: the leads table, the bus, the clock and the
    suppression list by email (and the links' secret, read when a token is checked)."""

    store: DynamoLeadStore
    bus: EventBridgeBus
    clock: Clock
    suppressions: SaltedSuppressions

    @property
    def secret(self) -> str:
        return unsubscribe_secret()


def unsubscribe_deps() -> UnsubscribeDeps:
    """GET and POST /v1/unsubscribe."""
    return MailConsentAdapters(wiring.lead_store(), wiring.event_bus(), current_clock(), mail_suppressions())


def mail_events_deps() -> MailEventDeps:
    """SES delivery events (opens, clicks, bounces, complaints)."""
    return MailConsentAdapters(wiring.lead_store(), wiring.event_bus(), current_clock(), mail_suppressions())
