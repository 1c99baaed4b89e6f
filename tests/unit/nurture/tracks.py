"""Nurture rule sets and leads for the engine's tests, built the way an operator writes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from leadflow.models.lead import Activity, Lead, Stage
from leadflow.models.nurture import NurtureRuleSet

MONDAY_10_UTC = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def template(template_id: str, kind: str = "marketing") -> dict[str, Any]:
    return {
        "kind": kind,
        "subject": f"{template_id} for {{{{ lead.first_name }}}}",
        "text": "Hi. {{ unsubscribe_url }}",
    }


def ruleset(*tracks: dict[str, Any], **limits: Any) -> NurtureRuleSet:
    templates = {
        tid: template(tid) for tid in ("intro", "intro-b", "case-study", "hot", "last", "winback", "recapture")
    }
    templates["thanks"] = template("thanks", "transactional")
    return NurtureRuleSet.model_validate(
        {
            "version": 1,
            "limits": {"max_marketing_emails_per_7_days": 3, "default_timezone": "UTC", **limits},
            "autoresponders": [{"form_id": "demo-request", "template": "thanks"}],
            "templates": templates,
            "tracks": list(tracks) or [welcome()],
        }
    )


def welcome(**overrides: Any) -> dict[str, Any]:
    """Five steps over 30 days: intro (A/B), wait, a branch on a click, a case study or the hot email, wait, last."""
    return {
        "id": "welcome",
        "name": "Welcome",
        "priority": 10,
        "entry": {"cause": "scored_below_mql"},
        "steps": [
            {
                "id": "intro",
                "type": "email",
                "variants": [{"id": "a", "template": "intro"}, {"id": "b", "template": "intro-b"}],
            },
            {"id": "pause", "type": "wait", "days": 3},
            {
                "id": "engaged",
                "type": "branch",
                "arms": [{"when": {"clicked": True}, "next": "hot"}],
                "otherwise": "case-study",
            },
            {"id": "case-study", "type": "email", "template": "case-study", "next": "pause-2"},
            {"id": "hot", "type": "email", "template": "hot", "next": "pause-2"},
            {"id": "pause-2", "type": "wait", "days": 26},
            {"id": "last", "type": "email", "template": "last"},
        ],
        **overrides,
    }


def a_lead(lead_id: str = "lead_1", *, stage: Stage = Stage.NEW, country: str | None = "GB", **changes: Any) -> Lead:
    changes.setdefault("consent", True)
    return Lead(
        lead_id=lead_id,
        email=f"{lead_id}@acme.example",
        email_canonical=f"{lead_id}@acme.example",
        first_name="Ada",
        country=country,
        created_at=MONDAY_10_UTC,
        updated_at=MONDAY_10_UTC,
        stage=stage,
        **changes,
    )


def click(at: datetime, event_id: str = "evt-click") -> Activity:
    return Activity(event_id=event_id, type="email_click", occurred_at=at, source="ses")
