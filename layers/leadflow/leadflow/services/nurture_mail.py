"""Sending one templated email to a lead: rendered for the lead, logged once by its deterministic id (a retried run
finds it logged and sends nothing), then handed to the mail service. At most once: a message the mail service
failed to take is recorded as failed on the enrolment, not sent again later.

Also the auto-response to a form: a transactional confirmation sent seconds after capture, once per form, lead
and day, never to a suppressed address (spam submissions never reach a lead, so never get one)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leadflow.domain.mail_render import RenderFailed, lead_context, render
from leadflow.models.lead import Lead
from leadflow.models.mail_template import MailTemplate
from leadflow.ports import EmailMessage, MailNotSent
from leadflow.services.nurture_deps import NurtureDeps, active_nurture

MARKETING_LIST = "marketing"


@dataclass(frozen=True)
class Sent:
    """What became of one email: `outcome` sent (now or by an earlier attempt), render_failed or send_failed."""

    outcome: str
    detail: str | None = None


def send_template(
    lead: Lead,
    template: MailTemplate,
    *,
    message_id: str,
    tags: Mapping[str, str],
    deps: NurtureDeps,
    now: datetime,
    extra: Mapping[str, Any] | None = None,
) -> Sent:
    """Render `template` for the lead and send it once under `message_id`."""
    marketing = template.kind == "marketing"
    link = deps.unsubscribe_link(lead.lead_id, MARKETING_LIST, now) if marketing else None
    try:
        rendered = render(template, lead_context(lead, unsubscribe_url=link, **(extra or {})))
    except RenderFailed as exc:
        return Sent("render_failed", str(exc)[:500])
    message = EmailMessage(
        message_id=message_id,
        lead_id=lead.lead_id,
        to=lead.email,
        kind=template.kind,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        created_at=now,
        unsubscribe_url=link,
        tags={"template": template.id, **tags},
    )
    if not deps.mail_log.record(message):
        return Sent("sent", "sent by an earlier attempt")
    try:
        deps.mailer.send(message)
    except MailNotSent as exc:
        return Sent("send_failed", str(exc)[:500])
    return Sent("sent")


def autorespond(lead_id: str, submission_id: str, deps: NurtureDeps) -> Sent | None:
    """The form's auto-response for a captured submission, None when there is none to send: no autoresponder for
    the form, no such lead or submission, or an address that must not be mailed."""
    submission = deps.store.get_submission(submission_id)
    lead = deps.store.get_lead(lead_id)
    if submission is None or lead is None or lead.merged_into is not None or submission.status == "spam":
        return None
    rules = active_nurture(deps.rules)
    form_id = submission.data.form_id
    responder = rules.autoresponder(form_id) if form_id else None
    if responder is None or deps.transactional_blocked(lead) is not None:
        return None
    now = deps.clock.now()
    # Once per form, lead and day: a retried submission, a redrive or a second form sent the same day gets none.
    message_id = f"auto.{lead_id}.{form_id}.{submission.received_at.date().isoformat()}"
    return send_template(
        lead,
        rules.template(responder.template),
        message_id=message_id,
        tags={"form": str(form_id), "kind": "autoresponse"},
        deps=deps,
        now=now,
        extra={"form_id": form_id},
    )
