"""A lead as one row of features for the predictive model: the same kind of row `leadflow model train` reads from a
CRM export, so one encoding (leadflow.domain.predictive_features) serves both.

Only what is known when a lead is scored goes in: who the lead is (fit) and what it did (engagement counts), never
the stage, owner or outcome, which sales set after contact and would teach the model the answer."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from leadflow.domain.predictive_features import Value
from leadflow.domain.titles import department, seniority
from leadflow.models.lead import ENGAGEMENT_TYPES, Lead

#: Engagement counted over this window before the scoring time: what a lead did lately says more than its lifetime.
RECENT = timedelta(days=90)


def lead_features(lead: Lead, now: datetime) -> dict[str, Value]:
    """The lead's features at `now` (activity after `now` is ignored, so a row for an old outcome is not leaked
    what happened later)."""
    firmographics = lead.firmographics
    source = lead.first_source
    past = [event for event in lead.activity if event.occurred_at <= now]
    recent: Counter[str] = Counter(str(event.type) for event in past if now - event.occurred_at <= RECENT)
    row: dict[str, Value] = {
        "seniority": seniority(lead.title),
        "department": department(lead.title),
        "country": lead.country,
        "industry": firmographics.industry if firmographics else None,
        "size_band": firmographics.size_band if firmographics else None,
        "employees": firmographics.employees if firmographics else None,
        "free_mail": firmographics.free_mail if firmographics else None,
        "known_company": firmographics.known if firmographics else None,
        "phone_given": lead.phone is not None,
        "consent": lead.consent,
        "utm_source": source.utm_source if source else None,
        "utm_medium": source.utm_medium if source else None,
        "first_form": next((str(e.properties.get("form_id")) for e in past if e.type == "form_submitted"), None),
        "events_total": len(past),
        "days_since_last_event": (now - past[-1].occurred_at).days if past else None,
    }
    row |= {f"recent_{kind}": recent.get(kind, 0) for kind in ENGAGEMENT_TYPES}
    return row
