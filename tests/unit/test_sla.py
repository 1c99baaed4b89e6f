"""SLA decisions: deadlines per priority with business hours (weekends, time zones, DST), the sla.yaml rule set
and its errors, and what a timer decides when it starts and at its deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from leadflow.clock import FixedClock
from leadflow.domain.sla import at_deadline, claim, deadline_after, record_touch
from leadflow.models.lead import Assignment, Lead, Score, Stage
from leadflow.models.lead_sla import Touch
from leadflow.models.rules import parse_ruleset
from leadflow.models.sla import SlaRules, SlaTarget
from leadflow.models.working_hours import WorkingHours

from tests.unit.conftest import load_config

BERLIN_9_TO_5 = WorkingHours(timezone="Europe/Berlin", days=["mon", "tue", "wed", "thu", "fri"])
FOUR_BUSINESS_HOURS = SlaTarget(minutes=240, business=True)
FRIDAY_1630_BERLIN = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)  # CET is UTC+1 in March before the DST change
TIMER = "arn:aws:states:us-east-1:123456789012:execution:leadflow-SlaTimer:t1"


def rules(**changes: Any) -> SlaRules:
    return parse_ruleset("sla", {**load_config("sla.yaml"), **changes}, version=3)


def lead_in(
    cell: str | None, *, owner: str = "dana", assigned_at: datetime = FRIDAY_1630_BERLIN, **fields: Any
) -> Lead:
    score = None
    if cell is not None:
        score = Score(
            fit=60, engagement=80, total=140, grade=cell[0], level=int(cell[1]), qualifies=True, ruleset_version=1,
            scored_at=assigned_at,
        )  # fmt: skip
    assignment = Assignment(
        rep_id=owner, rep_name=owner.title(), rule="round_robin", pool="default", ruleset_version=1,
        assigned_at=assigned_at,
    )  # fmt: skip
    return Lead(
        lead_id="lead_1", email="ada@northwind.example", email_canonical="ada@northwind.example",
        created_at=assigned_at - timedelta(minutes=2), updated_at=assigned_at, score=score, owner_id=owner,
        assignment=assignment, **{"stage": Stage.MQL, **fields},
    )  # fmt: skip


# --- deadlines -------------------------------------------------------------------------------------------------------


def test_a_plain_target_counts_clock_time_even_at_night_and_weekends() -> None:
    saturday_night = datetime(2026, 3, 7, 23, 58, tzinfo=UTC)

    assert deadline_after(saturday_night, SlaTarget(minutes=5), BERLIN_9_TO_5) == datetime(2026, 3, 8, 0, 3, tzinfo=UTC)


def test_four_business_hours_from_friday_afternoon_end_on_monday_late_morning_in_berlin() -> None:
    # 30 minutes left on Friday (16:30-17:00), 3.5 hours on Monday from 09:00: 12:30 Berlin, 11:30 UTC.
    assert deadline_after(FRIDAY_1630_BERLIN, FOUR_BUSINESS_HOURS, BERLIN_9_TO_5) == datetime(
        2026, 3, 9, 11, 30, tzinfo=UTC
    )


def test_a_lead_arriving_on_a_weekend_counts_from_monday_opening() -> None:
    sunday = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)

    assert deadline_after(sunday, FOUR_BUSINESS_HOURS, BERLIN_9_TO_5) == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def test_business_hours_are_local_wall_times_across_the_dst_change() -> None:
    # Berlin moves to CEST (UTC+2) on Sunday 29 March 2026: Monday opens at 07:00 UTC, not 08:00.
    friday_evening = datetime(2026, 3, 27, 18, 0, tzinfo=UTC)

    assert deadline_after(friday_evening, SlaTarget(minutes=60, business=True), BERLIN_9_TO_5) == datetime(
        2026, 3, 30, 8, 0, tzinfo=UTC
    )


def test_a_business_deadline_in_another_time_zone_follows_that_zones_day() -> None:
    new_york = WorkingHours(timezone="America/New_York", days=["mon", "tue", "wed", "thu", "fri"])
    # Friday 16:30 in Berlin is 10:30 in New York: the whole 4 hours fit the same New York day.
    assert deadline_after(FRIDAY_1630_BERLIN, FOUR_BUSINESS_HOURS, new_york) == datetime(2026, 3, 6, 19, 30, tzinfo=UTC)


def test_deadlines_are_whole_seconds_rounded_up_for_the_wait_state() -> None:
    start = datetime(2026, 3, 2, 9, 0, 0, 250_000, tzinfo=UTC)

    assert deadline_after(start, SlaTarget(minutes=5), BERLIN_9_TO_5) == datetime(2026, 3, 2, 9, 5, 1, tzinfo=UTC)


# --- the rule set ----------------------------------------------------------------------------------------------------


def test_the_default_rule_set_gives_a1_five_minutes_a2_and_b1_an_hour_and_others_four_business_hours() -> None:
    sla = rules()

    assert sla.priority_for("A1") == ("A1", SlaTarget(minutes=5))
    assert sla.priority_for("B1") == ("A2/B1", SlaTarget(minutes=60))
    assert sla.priority_for("C2") == ("default", FOUR_BUSINESS_HOURS)
    assert sla.priority_for(None)[0] == "default"
    assert sla.max_reassignments == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"priorities": {"A1": "5 mins"}}, "priority 'A1': '5 mins' is not a response time"),
        ({"priorities": {"A1": "0 minutes"}}, "priority 'A1'"),
        ({"priorities": {"A1/E9": "1 hour"}}, "priority 'A1/E9': 'E9' is not a grade cell"),
        ({"priorities": {"A1": "1 hour", "B1/A1": "2 hours"}}, "cell A1 is already given by priority 'A1'"),
        ({"default": "soon"}, "'soon' is not a response time"),
        ({"business_hours": {"timezone": "Mars/Olympus"}}, "unknown IANA time zone 'Mars/Olympus'"),
        ({"business_hours": {"start": "17:00", "end": "09:00"}}, "start (17:00) must be before end (09:00)"),
        ({"max_reassignments": -1}, "max_reassignments"),
    ],
)
def test_an_invalid_rule_set_is_refused_naming_the_entry(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        rules(**changes)


def test_the_rule_set_dumps_as_it_is_written() -> None:
    assert rules().model_dump(mode="json")["priorities"] == {"A1": "5 minutes", "A2/B1": "1 hour"}
    assert rules().model_dump(mode="json")["default"] == "4 business hours"


# --- timer decisions -------------------------------------------------------------------------------------------------


def test_a_timer_takes_the_sla_of_an_a1_lead_with_a_five_minute_deadline() -> None:
    verdict = claim(lead_in("A1"), timer_id=TIMER, rep_id="dana", rules=rules(), now=FRIDAY_1630_BERLIN)

    assert verdict.decision == "wait" and verdict.lead is not None and verdict.lead.sla is not None
    sla = verdict.lead.sla
    assert (sla.priority, sla.target, sla.rep_id, sla.owners) == ("A1", "5 minutes", "dana", ["dana"])
    assert sla.deadline == FRIDAY_1630_BERLIN + timedelta(minutes=5)


def test_a_second_timer_for_the_same_assignment_ends_without_touching_the_lead() -> None:
    first = claim(lead_in("A1"), timer_id=TIMER, rep_id="dana", rules=rules(), now=FRIDAY_1630_BERLIN).lead
    assert first is not None

    again = claim(first, timer_id=TIMER + "-twin", rep_id="dana", rules=rules(), now=FRIDAY_1630_BERLIN)
    retried = claim(first, timer_id=TIMER, rep_id="dana", rules=rules(), now=FRIDAY_1630_BERLIN)

    assert (again.decision, again.lead) == ("end", None)
    assert (retried.decision, retried.lead) == ("wait", None)


def test_a_timer_for_an_earlier_owner_or_a_touched_lead_ends() -> None:
    touched = lead_in("A1", first_touch=Touch(type="call", actor="dana", at=FRIDAY_1630_BERLIN))

    assert (
        claim(lead_in("A1"), timer_id=TIMER, rep_id="marcus", rules=rules(), now=FRIDAY_1630_BERLIN).decision == "end"
    )
    assert claim(touched, timer_id=TIMER, rep_id="dana", rules=rules(), now=FRIDAY_1630_BERLIN).decision == "end"


def test_at_the_deadline_an_untouched_lead_is_reassigned_until_the_limit_then_escalated() -> None:
    clock = FixedClock(FRIDAY_1630_BERLIN)
    lead = claim(lead_in("A1"), timer_id=TIMER, rep_id="dana", rules=rules(), now=clock.now()).lead
    assert lead is not None and lead.sla is not None

    early = at_deadline(lead, timer_id=TIMER, rules=rules(), now=clock.now())
    clock.advance(minutes=6)
    due = at_deadline(lead, timer_id=TIMER, rules=rules(), now=clock.now())
    spent = lead.model_copy(update={"sla": lead.sla.model_copy(update={"reassignments": 2})})
    last = at_deadline(spent, timer_id=TIMER, rules=rules(), now=clock.now())

    assert (early.decision, due.decision, last.decision) == ("wait", "reassign", "escalate")


def test_the_first_touch_is_kept_with_speed_to_lead_and_meets_the_sla() -> None:
    lead = claim(lead_in("A1"), timer_id=TIMER, rep_id="dana", rules=rules(), now=FRIDAY_1630_BERLIN).lead
    assert lead is not None
    call = Touch(type="call", actor="dana", at=FRIDAY_1630_BERLIN + timedelta(minutes=3))

    touched = record_touch(lead, call)

    assert touched is not None and touched.first_touch == call
    assert touched.speed_to_lead_seconds == 5 * 60  # created two minutes before the assignment
    assert touched.sla is not None and touched.sla.status == "met"
    assert record_touch(touched, call.model_copy(update={"type": "email"})) is None
    assert (
        at_deadline(touched, timer_id=TIMER, rules=rules(), now=FRIDAY_1630_BERLIN + timedelta(hours=1)).decision
        == "end"
    )


def test_a_lead_moved_to_a_queue_gets_no_timer_of_its_own() -> None:
    queued = lead_in("A1", owner="queue:unassigned")

    assert (
        claim(queued, timer_id=TIMER, rep_id="queue:unassigned", rules=rules(), now=FRIDAY_1630_BERLIN).decision
        == "end"
    )
