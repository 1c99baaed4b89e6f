"""How a submission changes the lead it belongs to: which value survives per field, for the dedupe step.

Survivorship: the most recent non-empty value wins per profile field and per custom field. "Most recent" is by the
submission's received_at, so a submission processed late (a retry, a slow pipeline run) fills gaps but never
overwrites what a newer one said. The email is the exception: every address is kept (`emails`) and the primary one
follows leadflow.domain.survivorship (corporate before free-mail, plain before plus-tagged, then the newest), so a
personal address given for an ebook never replaces the work address sales reach the person at. Consent is sticky:
an unticked box on a later form means "no new consent", not "withdrawn" (withdrawal is an explicit unsubscribe, a
separate action); a ticked box counts unless a newer withdrawal is recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leadflow.domain.consent import form_record, with_consent
from leadflow.domain.identity import canonical_email, strip_display_name
from leadflow.domain.survivorship import addresses_of, prefers_email, with_addresses
from leadflow.models.lead import Activity, Lead, PropertyValue
from leadflow.models.submission import CustomValue, StoredSubmission

PROFILE_FIELDS = ("first_name", "last_name", "phone", "company", "title", "country", "website")
# A lead keeps its newest events for scoring. Behaviour points halve every few weeks, so by the time a lead has this
# many events the dropped ones count for next to nothing; one-time rules keep their point through the lead's score
# lines only while the event is kept (a lead this active has re-earned them many times over).
MAX_ACTIVITY = 200


def apply_submission(lead: Lead | None, submission: StoredSubmission, lead_id: str, now: datetime) -> Lead:
    """The lead after `submission`: a new lead when `lead` is None, else the merged profile.

    Idempotent: a submission already merged (its id is in `lead.submission_ids`) returns `lead` unchanged."""
    if lead is None:
        return _new_lead(submission, lead_id, now)
    if lead.lead_id != lead_id:
        raise ValueError(f"submission {submission.submission_id} was matched to lead {lead_id}, not {lead.lead_id}")
    if submission.submission_id in lead.submission_ids:
        return lead

    data = submission.data
    newest = lead.last_submitted_at is None or submission.received_at >= lead.last_submitted_at
    updates: dict[str, Any] = {}
    for name in PROFILE_FIELDS:
        value = getattr(data, name)
        if not is_empty(value) and (newest or is_empty(getattr(lead, name))):
            updates[name] = value
    fields = dict(lead.fields)
    for key, value in data.fields.items():
        if not is_empty(value) and (newest or is_empty(fields.get(key))):
            fields[key] = value
    address = strip_display_name(data.email)
    if "email" not in lead.verified_fields and prefers_email(address, lead.email, candidate_is_newer=newest):
        updates |= {"email": address, "email_canonical": canonical_email(address)}
    if newest:
        updates |= {"last_source": data.source(), "last_submitted_at": submission.received_at}
    updates |= {
        "emails": with_addresses(addresses_of(lead), address),
        "fields": fields,
        "submission_ids": [*lead.submission_ids, submission.submission_id],
        "form_ids": [*lead.form_ids, data.form_id] if data.form_id else list(lead.form_ids),
        "activity": add_activity(lead.activity, submission_activity(submission)),
        "first_source": lead.first_source or data.source(),
        "updated_at": now,
    }
    return _consent_after(lead.model_copy(update=updates), submission)


def _new_lead(submission: StoredSubmission, lead_id: str, now: datetime) -> Lead:
    data = submission.data
    profile = {name: getattr(data, name) for name in PROFILE_FIELDS if not is_empty(getattr(data, name))}
    lead = Lead(
        lead_id=lead_id,
        email=strip_display_name(data.email),
        email_canonical=canonical_email(data.email),
        emails=[strip_display_name(data.email)],
        **profile,
        fields={key: value for key, value in data.fields.items() if not is_empty(value)},
        created_at=now,
        updated_at=now,
        last_submitted_at=submission.received_at,
        submission_ids=[submission.submission_id],
        form_ids=[data.form_id] if data.form_id else [],
        activity=[submission_activity(submission)],
        first_source=data.source(),
        last_source=data.source(),
    )
    return _consent_after(lead, submission)


def _consent_after(lead: Lead, submission: StoredSubmission) -> Lead:
    """The lead after the submission's consent: a ticked box is fresh consent, on the ledger, unless a newer
    decision (an unsubscribe after the form was sent) is on record; an unticked box changes nothing."""
    data = submission.data
    if not data.consent or (lead.consent and lead.consent_record is None):
        return lead
    given = form_record(
        form_id=data.form_id,
        at=submission.received_at,
        ref=submission.submission_id,
        text_version=data.consent_text_version,
    )
    return with_consent(lead, given) or lead


def is_empty(value: CustomValue) -> bool:
    """No value at all, or only whitespace: such a value never replaces another."""
    return value is None or (isinstance(value, str) and not value.strip())


def submission_activity(submission: StoredSubmission) -> Activity:
    """A form submission as an engagement event: behaviour rules count forms like any other event."""
    data = submission.data
    properties: dict[str, PropertyValue] = {
        name: value
        for name, value in (
            ("form_id", data.form_id),
            ("url", data.page_url),
            ("utm_source", data.utm_source),
            ("utm_campaign", data.utm_campaign),
        )
        if value
    }
    return Activity(
        event_id=submission.submission_id,
        type="form_submitted",
        occurred_at=submission.received_at,
        source="form",
        properties=properties,
    )


def add_activity(activity: list[Activity], event: Activity) -> list[Activity]:
    """`activity` with `event` in time order, once (a retried step or a re-sent webhook adds nothing)."""
    if any(existing.event_id == event.event_id for existing in activity):
        return activity
    ordered = sorted([*activity, event], key=lambda item: (item.occurred_at, item.event_id))
    return keep_recent_activity(ordered)


def keep_recent_activity(activity: list[Activity]) -> list[Activity]:
    return activity[-MAX_ACTIVITY:]
