"""Nurture end to end over in-memory twins: enrolments begun by events, runs driven through months of waits, the
emails that go, and every reason one must not."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from leadflow.clock import FixedClock
from leadflow.domain.send_window import lead_timezone
from leadflow.models.events import LeadConsentChanged, LeadScored, LeadStageChanged
from leadflow.models.lead import Lead, Stage
from leadflow.models.nurture import NurtureRuleSet
from leadflow.services.nurture import carry_over_merge
from leadflow.services.nurture_events import handle_event

from tests.unit.nurture.harness import Twins
from tests.unit.nurture.tracks import MONDAY_10_UTC, a_lead, ruleset, welcome


def publish_rules(twins: Twins, rules: NurtureRuleSet) -> None:
    twins.rules.publish("nurture", rules.model_dump(mode="json", exclude={"version"}))


@pytest.fixture
def twins() -> Twins:
    made = Twins(FixedClock(MONDAY_10_UTC))
    publish_rules(made, ruleset())
    return made


def add_lead(twins: Twins, lead: Lead) -> Lead:
    return twins.store.save_lead(lead, expected_version=None)


def scored_below_mql(twins: Twins, lead_id: str) -> None:
    event = LeadScored(
        lead_id=lead_id, fit=10, engagement=0, total=10, grade="C", level=4, qualifies=False, ruleset_version=1
    )
    twins.bus.publish([event])


def test_a_lead_scored_below_mql_is_enrolled_and_its_execution_started_once_however_often_the_event_comes(
    twins: Twins,
) -> None:
    add_lead(twins, a_lead())
    detail = {"lead_id": "lead_1", "qualifies": False}

    for _ in range(3):  # EventBridge delivers at least once
        handle_event("lead.scored", detail, "evt-42", MONDAY_10_UTC, twins)

    lead = twins.store.get_lead("lead_1")
    assert lead is not None and [e.track_id for e in lead.nurture] == ["welcome"]
    assert list(twins.workflows.started) == [lead.nurture[0].enrolment_id]
    assert len([e for e in twins.bus.published if e.detail_type == "nurture.enrolled"]) == 1


def test_five_hundred_leads_in_random_states_get_no_marketing_email_without_consent_or_while_suppressed(
    twins: Twins,
) -> None:
    chance = random.Random(20261204)
    publish_rules(twins, ruleset(welcome(), welcome(id="webinars", concurrent=True, priority=1)))
    consented: dict[str, bool] = {}
    suppressed_since: dict[str, datetime] = {}
    for n in range(500):
        lead = add_lead(twins, a_lead(f"lead_{n}", consent=chance.random() < 0.6))
        consented[lead.lead_id] = lead.consent
        if chance.random() < 0.2:
            twins.suppressed.add(lead.email_canonical)
            suppressed_since[lead.lead_id] = twins.clock.now()
        scored_below_mql(twins, lead.lead_id)
        scored_below_mql(twins, lead.lead_id)  # a second score: the concurrent track
    twins.advance(MONDAY_10_UTC + timedelta(days=4), step=timedelta(hours=6))
    for lead_id in chance.sample(sorted(consented), 50):  # some get suppressed half way through
        lead = twins.store.get_lead(lead_id)
        assert lead is not None
        twins.suppressed.add(lead.email_canonical)
        suppressed_since.setdefault(lead_id, twins.clock.now())
    twins.advance(MONDAY_10_UTC + timedelta(days=35), step=timedelta(hours=6))

    marketing = [m for m in twins.mailer.sent if m.kind == "marketing"]
    without_consent = [m for m in marketing if not consented[m.lead_id]]
    while_suppressed = [
        m for m in marketing if m.lead_id in suppressed_since and m.created_at >= suppressed_since[m.lead_id]
    ]
    assert without_consent == [] and while_suppressed == []
    assert len({m.lead_id for m in marketing}) > 200  # the leads that may be mailed were


def test_the_weekly_cap_holds_across_three_tracks_running_at_once(twins: Twins) -> None:
    daily = [
        {"id": f"daily-{n}", "type": "email", "template": "intro"}
        if n % 2 == 0
        else {"id": f"wait-{n}", "type": "wait", "days": 1}
        for n in range(20)
    ]
    tracks = [welcome(id=f"t{i}", concurrent=True, priority=i, steps=daily) for i in range(3)]
    publish_rules(twins, ruleset(*tracks, max_marketing_emails_per_7_days=3))
    add_lead(twins, a_lead())
    for _ in tracks:  # each score enrols the lead in the next track that runs beside the others
        scored_below_mql(twins, "lead_1")
    twins.advance(MONDAY_10_UTC + timedelta(days=28), step=timedelta(hours=2))

    times = sorted(m.created_at for m in twins.emails_to("lead_1"))
    lead = twins.store.get_lead("lead_1")
    assert lead is not None and len(lead.nurture) == 3
    assert len(times) >= 9  # the cap slows the tracks down, it does not stop them
    assert all(sum(1 for t in times if start <= t < start + timedelta(days=7)) <= 3 for start in times)


def test_quiet_hours_and_send_days_hold_in_each_leads_own_time_zone(twins: Twins) -> None:
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    publish_rules(twins, ruleset(quiet_hours={"start": "20:00", "end": "08:00"}, send_days=weekdays))
    countries = ["US", "GB", "JP", "AU", "BR", "IN", "DE", "CA"]
    for n, country in enumerate(countries):
        add_lead(twins, a_lead(f"lead_{n}", country=country))
        scored_below_mql(twins, f"lead_{n}")
    twins.advance(MONDAY_10_UTC + timedelta(days=35), step=timedelta(minutes=30))

    rules = ruleset(quiet_hours={"start": "20:00", "end": "08:00"}, send_days=weekdays)
    assert len(twins.mailer.sent) >= 3 * len(countries)
    for message in twins.mailer.sent:
        lead = twins.store.get_lead(message.lead_id)
        assert lead is not None
        local = message.created_at.astimezone(lead_timezone(lead.country, None, rules.limits))
        assert 8 <= local.hour < 20 and local.weekday() < 5, (lead.country, local)


def test_a_lead_that_becomes_an_mql_leaves_at_once_and_its_execution_is_stopped(twins: Twins) -> None:
    add_lead(twins, a_lead())
    scored_below_mql(twins, "lead_1")
    twins.advance(MONDAY_10_UTC + timedelta(days=1))
    lead = twins.store.get_lead("lead_1")
    assert lead is not None
    twins.store.save_lead(lead.model_copy(update={"stage": Stage.MQL}), expected_version=lead.version)

    twins.bus.publish([LeadStageChanged(lead_id="lead_1", from_stage=Stage.NEW, to_stage=Stage.MQL, reason="score")])
    twins.deliver_events()

    lead = twins.store.get_lead("lead_1")
    assert lead is not None and lead.nurture[0].exit_reason == "became_mql"
    assert twins.workflows.running == set()
    sent = len(twins.emails_to("lead_1"))
    twins.advance(MONDAY_10_UTC + timedelta(days=40))
    assert len(twins.emails_to("lead_1")) == sent


def test_a_withdrawn_consent_ends_every_track_of_the_lead(twins: Twins) -> None:
    publish_rules(twins, ruleset(welcome(), welcome(id="webinars", concurrent=True, priority=1)))
    add_lead(twins, a_lead())
    scored_below_mql(twins, "lead_1")
    scored_below_mql(twins, "lead_1")
    twins.advance(MONDAY_10_UTC + timedelta(hours=1))
    lead = twins.store.get_lead("lead_1")
    assert lead is not None and len(lead.active_enrolments) == 2

    twins.store.save_lead(lead.model_copy(update={"consent": False}), expected_version=lead.version)
    twins.bus.publish(
        [LeadConsentChanged(lead_id="lead_1", consent=False, source="email-link", at=twins.clock.now(), ref="u1")]
    )
    twins.deliver_events()

    lead = twins.store.get_lead("lead_1")
    assert lead is not None and {e.exit_reason for e in lead.nurture} == {"unsubscribed"}
    assert twins.workflows.running == set()


def test_a_merged_away_leads_enrolment_ends_and_the_survivor_gets_one_never_two(twins: Twins) -> None:
    add_lead(twins, a_lead("lead_1"))
    add_lead(twins, a_lead("lead_2"))
    scored_below_mql(twins, "lead_2")
    twins.advance(MONDAY_10_UTC + timedelta(hours=1))
    merged = twins.store.get_lead("lead_2")
    assert merged is not None
    twins.store.save_lead(merged.model_copy(update={"merged_into": "lead_1"}), expected_version=merged.version)

    carry_over_merge("lead_1", "lead_2", twins.clock.now(), twins)
    carry_over_merge("lead_1", "lead_2", twins.clock.now(), twins)  # redelivered

    survivor, gone = twins.store.get_lead("lead_1"), twins.store.get_lead("lead_2")
    assert survivor is not None and gone is not None
    assert [e.exit_reason for e in gone.nurture] == ["merged"]
    assert [e.track_id for e in survivor.active_enrolments] == ["welcome"]


def test_a_survivor_in_a_track_of_its_own_keeps_it_and_gets_no_second(twins: Twins) -> None:
    for lead_id in ("lead_1", "lead_2"):
        add_lead(twins, a_lead(lead_id))
        scored_below_mql(twins, lead_id)
    twins.advance(MONDAY_10_UTC + timedelta(hours=1))
    merged = twins.store.get_lead("lead_2")
    assert merged is not None
    twins.store.save_lead(merged.model_copy(update={"merged_into": "lead_1"}), expected_version=merged.version)

    carry_over_merge("lead_1", "lead_2", twins.clock.now(), twins)

    survivor = twins.store.get_lead("lead_1")
    assert survivor is not None and len(survivor.active_enrolments) == 1


def test_a_template_that_fails_for_a_lead_is_recorded_on_the_enrolment_and_skipped(twins: Twins) -> None:
    rules = ruleset()
    broken: dict[str, Any] = rules.model_dump(mode="json", exclude={"version"})
    broken["templates"]["intro"]["text"] = "Hi {{ lead.first_name() }}"  # not callable: fails at render time
    broken["templates"]["intro-b"]["text"] = "Hi {{ lead.first_name() }}"
    twins.rules.publish("nurture", broken)
    add_lead(twins, a_lead())
    scored_below_mql(twins, "lead_1")

    twins.advance(MONDAY_10_UTC + timedelta(days=4))

    lead = twins.store.get_lead("lead_1")
    assert lead is not None
    [intro] = [r for r in lead.nurture[0].steps if r.step_id == "intro"]
    assert intro.outcome == "render_failed" and intro.detail
    assert [m.tags["step"] for m in twins.emails_to("lead_1")] == ["case-study"]  # the track went on


def test_a_message_the_mail_service_refuses_is_recorded_and_never_retried(twins: Twins) -> None:
    lead = add_lead(twins, a_lead())
    twins.mailer.refuse.add(lead.email)
    scored_below_mql(twins, "lead_1")

    twins.advance(MONDAY_10_UTC + timedelta(hours=2))

    stored = twins.store.get_lead("lead_1")
    assert stored is not None and stored.nurture[0].steps[0].outcome == "send_failed"
    assert twins.mailer.sent == []


def test_the_auto_response_goes_once_per_form_lead_and_day_even_without_marketing_consent(twins: Twins) -> None:
    from leadflow.models.submission import StoredSubmission, SubmissionIn
    from leadflow.services.nurture_mail import autorespond

    lead = add_lead(twins, a_lead(consent=False))
    for n in range(2):
        submission = StoredSubmission(
            submission_id=f"sub_{n}",
            received_at=MONDAY_10_UTC + timedelta(hours=n),
            data=SubmissionIn.model_validate({"email": lead.email, "form_id": "demo-request"}),
            lead_id=lead.lead_id,
        )
        twins.store.put_submission(submission)
        autorespond(lead.lead_id, submission.submission_id, twins)
        autorespond(lead.lead_id, submission.submission_id, twins)  # a redrive

    assert [m.kind for m in twins.mailer.sent] == ["transactional"]
    twins.suppressed.add(lead.email_canonical)
    assert autorespond(lead.lead_id, "sub_1", twins) is None


def test_an_erased_persons_executions_are_stopped_by_the_erasure_event(twins: Twins) -> None:
    add_lead(twins, a_lead())
    scored_below_mql(twins, "lead_1")
    twins.advance(MONDAY_10_UTC + timedelta(hours=1))
    [running] = twins.workflows.running

    handle_event("lead.erased", {"lead_id": "lead_1", "enrolment_ids": [running]}, "evt-erased", MONDAY_10_UTC, twins)

    assert twins.workflows.running == set()
