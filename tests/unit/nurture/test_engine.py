"""A nurture enrolment's runs, decided: what each wake-up sends, when it sleeps until, and when it must stop."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from leadflow.domain.nurture_engine import Run, SendEmail, Situation, advance
from leadflow.domain.nurture_entry import new_enrolment
from leadflow.models.enrolment import Enrolment
from leadflow.models.lead import Lead, Stage
from leadflow.models.nurture import NurtureRuleSet

from tests.unit.nurture.tracks import MONDAY_10_UTC, a_lead, click, ruleset, welcome

UTC_ZONE = ZoneInfo("UTC")


def run_at(
    rules: NurtureRuleSet,
    lead: Lead,
    enrolment: Enrolment,
    now: datetime,
    *,
    sent: list[datetime] | None = None,
    blocked: str | None = None,
    zone: ZoneInfo = UTC_ZONE,
) -> Run:
    track = rules.track(enrolment.track_id)
    assert track is not None
    situation = Situation(lead, enrolment, track, rules.limits, zone, now, tuple(sent or ()), blocked)
    return advance(situation)


def emails(run: Run) -> list[str]:
    return [action.template_id for action in run.actions if isinstance(action, SendEmail)]


def test_a_lead_that_never_engages_gets_every_email_of_the_track_and_the_enrolment_completes() -> None:
    rules, lead = ruleset(), a_lead()
    enrolment = new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC)
    sent_templates: list[str] = []
    sent_at: list[datetime] = []
    now = MONDAY_10_UTC

    for _ in range(5):
        run = run_at(rules, lead, enrolment, now, sent=sent_at)
        sent_templates += emails(run)
        sent_at += [now] * len(emails(run))
        enrolment = run.enrolment
        if run.decision == "end":
            break
        assert enrolment.wake_at is not None
        now = enrolment.wake_at

    assert sent_templates[1:] == ["case-study", "last"]
    assert sent_templates[0] in {"intro", "intro-b"}
    assert enrolment.status == "completed"
    assert now - MONDAY_10_UTC == timedelta(days=29)  # 3 days, then 26


def test_the_first_run_sends_the_intro_and_sleeps_until_the_wait_is_over() -> None:
    rules, lead = ruleset(), a_lead()
    enrolment = new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC)

    run = run_at(rules, lead, enrolment, MONDAY_10_UTC)

    assert run.decision == "wait"
    assert run.enrolment.wake_at == MONDAY_10_UTC + timedelta(days=3)
    assert run.enrolment.current_step == "engaged"
    assert [r.outcome for r in run.enrolment.steps] == ["sent", "waited"]


def test_a_click_after_enrolment_takes_the_branchs_other_arm() -> None:
    rules, lead = ruleset(), a_lead()
    enrolment = run_at(
        rules, lead, new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC), MONDAY_10_UTC
    ).enrolment
    clicked = lead.model_copy(update={"activity": [click(MONDAY_10_UTC + timedelta(days=1))]})

    run = run_at(rules, clicked, enrolment, MONDAY_10_UTC + timedelta(days=3))

    assert emails(run) == ["hot"]
    assert any(r.outcome == "branched" and r.detail == "hot" for r in run.enrolment.steps)


def test_a_click_from_before_the_enrolment_does_not_count() -> None:
    rules = ruleset()
    lead = a_lead(activity=[click(MONDAY_10_UTC - timedelta(days=1))])
    enrolment = run_at(
        rules, lead, new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC), MONDAY_10_UTC
    ).enrolment

    assert emails(run_at(rules, lead, enrolment, MONDAY_10_UTC + timedelta(days=3))) == ["case-study"]


def test_a_lead_that_became_an_mql_leaves_the_track_at_its_next_run_and_is_sent_nothing() -> None:
    rules, lead = ruleset(), a_lead()
    enrolment = run_at(
        rules, lead, new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC), MONDAY_10_UTC
    ).enrolment

    run = run_at(rules, lead.model_copy(update={"stage": Stage.MQL}), enrolment, MONDAY_10_UTC + timedelta(days=3))

    assert run.actions == []
    assert run.decision == "end"
    assert (run.enrolment.status, run.enrolment.exit_reason) == ("exited", "became_mql")


def test_a_lead_that_may_no_longer_be_mailed_leaves_the_track_before_any_send() -> None:
    rules, lead = ruleset(), a_lead()
    enrolment = new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC)

    run = run_at(rules, lead, enrolment, MONDAY_10_UTC, blocked="unsubscribed")

    assert run.actions == []
    assert run.enrolment.exit_reason == "unsubscribed"


def test_the_weekly_cap_holds_an_email_until_the_oldest_of_the_week_is_seven_days_old() -> None:
    rules, lead = ruleset(), a_lead()
    enrolment = new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC)
    earlier = [MONDAY_10_UTC - timedelta(days=d) for d in (5, 3, 1)]  # three other tracks' emails this week

    run = run_at(rules, lead, enrolment, MONDAY_10_UTC, sent=earlier)

    assert run.actions == []
    assert run.enrolment.wake_at == MONDAY_10_UTC + timedelta(days=2)  # when the one from 5 days ago turns 7
    assert run.enrolment.current_step == "intro"
    assert run.enrolment.steps[-1].outcome == "deferred"


def test_quiet_hours_are_the_leads_own_a_new_york_lead_is_not_mailed_at_nine_in_the_evening() -> None:
    rules = ruleset(quiet_hours={"start": "20:00", "end": "08:00"})
    lead = a_lead(country="US")
    new_york = ZoneInfo("America/New_York")
    evening = datetime(2026, 12, 8, 2, 0, tzinfo=UTC_ZONE)  # Monday 21:00 in New York
    enrolment = new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", evening)

    run = run_at(rules, lead, enrolment, evening, zone=new_york)

    assert run.actions == []
    assert run.enrolment.wake_at is not None
    assert run.enrolment.wake_at.astimezone(new_york).hour == 8  # Tuesday 08:00 local


def test_a_retried_run_decides_the_same_messages_so_the_mail_log_sends_each_once() -> None:
    rules, lead = ruleset(), a_lead()
    enrolment = new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC)

    first = run_at(rules, lead, enrolment, MONDAY_10_UTC)
    retried = run_at(rules, lead, enrolment, MONDAY_10_UTC + timedelta(seconds=30))

    assert [a.message_id for a in first.actions if isinstance(a, SendEmail)] == [
        a.message_id for a in retried.actions if isinstance(a, SendEmail)
    ]


def test_variants_are_stable_per_lead_and_split_as_weighted() -> None:
    rules = ruleset()
    picks = Counter()
    for n in range(1000):
        lead = a_lead(f"lead_{n}")
        enrolment = new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC)
        first = run_at(rules, lead, enrolment, MONDAY_10_UTC)
        again = run_at(rules, lead, enrolment, MONDAY_10_UTC)
        assert first.enrolment.variants == again.enrolment.variants
        picks[first.enrolment.variants["intro"]] += 1

    assert 450 <= picks["a"] <= 550 and picks["a"] + picks["b"] == 1000


def test_an_enrol_step_hands_the_lead_over_and_ends_this_enrolment() -> None:
    handing = welcome(id="short", steps=[{"id": "go", "type": "enrol", "track": "welcome"}])
    rules = ruleset(welcome(), handing)
    lead = a_lead()
    enrolment = new_enrolment(lead, rules.tracks[1], 1, "manual", MONDAY_10_UTC)

    run = run_at(rules, lead, enrolment, MONDAY_10_UTC)

    assert run.enrolment.exit_reason == "handed_over"
    assert run.decision == "end"
