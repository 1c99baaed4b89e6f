"""What a rep is told when a lead is assigned to them: a summary they can act on, for the notify step.

The notification id is derived from the assignment, so a retried step queues the same notification once."""

from __future__ import annotations

from urllib.parse import quote

from leadflow.models.lead import Assignment, Lead
from leadflow.ports import Notification


def assignment_notification(
    lead: Lead, assignment: Assignment, api_base_url: str, *, channel: str = "email"
) -> Notification:
    """The message telling `assignment.rep_id` about `lead`: who, why it qualified (score lines) and a link to it."""
    assigned_at = assignment.assigned_at.isoformat()
    link = f"{api_base_url.rstrip('/')}/v1/leads/{quote(lead.lead_id, safe='')}"
    who = lead_display_name(lead)
    at_company = f" at {company}" if (company := _company(lead)) else ""
    score = f" (score {lead.score.total})" if lead.score else ""
    return Notification(
        notification_id=f"assigned#{lead.lead_id}#{assigned_at}",
        rep_id=assignment.rep_id,
        lead_id=lead.lead_id,
        channel=channel,
        subject=f"New lead for you: {who}{at_company}{score}",
        body=_body(lead, assignment, link),
        created_at=assignment.assigned_at,
        payload={
            "kind": "lead.assigned",
            "lead_id": lead.lead_id,
            "lead_url": link,
            "rep_id": assignment.rep_id,
            "rep_name": assignment.rep_name,
            "rep_email": assignment.rep_email,
            "assigned_at": assigned_at,
            "rule": assignment.rule,
            "name": who,
            "email": lead.email,
            "company": _company(lead),
            "title": lead.title,
            "stage": lead.stage.value,
            "score": lead.score.total if lead.score else None,
            "score_cell": lead.score.cell if lead.score else None,
            # The explanation as structured data, most points first, so a channel need not parse the text body.
            "score_lines": [line.reason for line in sorted(lead.score.lines, key=lambda line: -abs(line.points))]
            if lead.score
            else [],
        },
    )


def lead_display_name(lead: Lead) -> str:
    name = " ".join(part for part in (lead.first_name, lead.last_name) if part)
    return name or lead.email


def _company(lead: Lead) -> str | None:
    # What the lead typed first; the directory's name when they typed nothing.
    if lead.company:
        return lead.company
    return lead.firmographics.company_name if lead.firmographics else None


def _body(lead: Lead, assignment: Assignment, link: str) -> str:
    greeting = assignment.rep_name.split()[0] if assignment.rep_name.split() else assignment.rep_name
    rows = [
        ("Name", lead_display_name(lead)),
        ("Email", lead.email),
        ("Phone", lead.phone),
        ("Title", lead.title),
        ("Company", _company_summary(lead)),
        ("Country", lead.country),
        ("Forms", ", ".join(lead.form_ids) or None),
        ("Source", _source_summary(lead)),
    ]
    lines = [f"Hi {greeting},", "", f"A lead was assigned to you ({assignment.rule.replace('_', ' ')}).", ""]
    lines += [f"{label + ':':<9} {value}" for label, value in rows if value]
    if lead.score:
        score = lead.score
        lines += ["", f"Score {score.cell}: fit {score.fit}, engagement {score.engagement:g}:"]
        lines += [f"  - {line.reason}" for line in score.lines]
    if lead.fields:
        lines += ["", "Form fields:"] + [f"  {key}: {value}" for key, value in sorted(lead.fields.items())]
    lines += ["", f"Open the lead: {link}"]
    return "\n".join(lines)


def _company_summary(lead: Lead) -> str | None:
    company = _company(lead)
    firmographics = lead.firmographics
    if firmographics is None or not firmographics.known:
        return company
    band = f"{firmographics.size_band} employees" if firmographics.size_band else None
    facts = [fact for fact in (firmographics.industry, band) if fact]
    return f"{company} ({', '.join(facts)})" if facts and company else company


def _source_summary(lead: Lead) -> str | None:
    source = lead.first_source
    if source is None:
        return None
    parts = [part for part in (source.utm_source, source.utm_medium, source.utm_campaign) if part]
    return " / ".join(parts) or source.referrer or source.page_url
