"""Items that must not live forever carry the leads table's TTL attribute; a lead never does."""

from __future__ import annotations

from datetime import UTC, datetime

from leadflow.adapters import layout
from leadflow.models.lead import Activity, Lead

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_webhook_event_record_expires_90_days_after_it_was_received() -> None:
    item = layout.engagement_event_item("generic", "evt-1", status="recorded", lead_id="lead_1", received_at=AT)

    assert item[layout.TTL_ATTRIBUTE] == int(datetime(2027, 2, 21, 9, 0, tzinfo=UTC).timestamp())


def test_parked_engagement_expires_a_year_after_it_happened_and_reads_back_without_the_attribute() -> None:
    activity = Activity(event_id="generic:evt-2", type="page_visit", occurred_at=AT, properties={"url": "/pricing"})

    item = layout.parked_activity_item("dana@example.com", activity)

    assert item[layout.TTL_ATTRIBUTE] == int(datetime(2027, 11, 23, 9, 0, tzinfo=UTC).timestamp())
    assert layout.sort_parked_activity([item]) == [activity]


def test_a_lead_never_expires() -> None:
    lead = Lead(lead_id="lead_1", email="a@b.example", email_canonical="a@b.example", created_at=AT, updated_at=AT)

    assert layout.TTL_ATTRIBUTE not in layout.lead_item(lead, 1)
