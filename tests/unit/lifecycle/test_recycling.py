"""When a disqualified lead is recycled, and what the recycle job leaves alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from leadflow.domain.lifecycle import (
    recycle,
    repair_recycle_due,
)
from leadflow.models.lead import Stage
from leadflow.models.lifecycle import LifecycleRules

from tests.unit.conftest import NOW
from tests.unit.lifecycle.conftest import a_lead, disqualified


def test_recycling_before_the_date_changes_nothing(rules: LifecycleRules) -> None:
    lead = disqualified("bad_timing", rules)

    assert recycle(lead, NOW + timedelta(days=89, hours=23, minutes=59)) is None


@pytest.mark.parametrize("after", [timedelta(days=90), timedelta(days=91), timedelta(days=400)])
def test_recycling_on_or_after_the_date_reopens_the_lead_for_re_engagement(
    rules: LifecycleRules, after: timedelta
) -> None:
    lead = disqualified("bad_timing", rules)
    now = NOW + after

    change = recycle(lead, now)

    assert change is not None and change.transition is not None
    assert (change.lead.stage, change.lead.reengage, change.lead.stage_changed_at) == (Stage.RECYCLED, True, now)
    assert (change.lead.due_at, change.lead.due_job) == (None, None)
    assert (change.transition.from_stage, change.transition.to_stage) == (Stage.DISQUALIFIED, Stage.RECYCLED)
    assert "90 days" in change.transition.reason and "bad_timing" in change.transition.reason


def test_a_spam_lead_is_never_recycled(rules: LifecycleRules) -> None:
    lead = disqualified("spam", rules)

    assert recycle(lead, NOW + timedelta(days=3650)) is None


def test_recycling_twice_changes_nothing_the_second_time(rules: LifecycleRules) -> None:
    first = recycle(disqualified("unresponsive", rules), NOW + timedelta(days=60))
    assert first is not None

    assert recycle(first.lead, NOW + timedelta(days=61)) is None


def test_a_lead_taken_up_again_meanwhile_is_not_recycled(rules: LifecycleRules) -> None:
    lead = disqualified("bad_timing", rules).model_copy(update={"stage": Stage.SAL})

    assert recycle(lead, NOW + timedelta(days=90)) is None


def test_a_stale_recycle_entry_is_removed_and_a_decay_entry_left_alone(rules: LifecycleRules) -> None:
    due = NOW + timedelta(days=90)
    stale = disqualified("bad_timing", rules).model_copy(update={"stage": Stage.SAL})
    repaired = repair_recycle_due(stale)
    decaying = a_lead(Stage.MQL, due_at=NOW, due_job="decay")

    assert repaired is not None and (repaired.due_at, repaired.due_job) == (None, None)
    assert repair_recycle_due(disqualified("bad_timing", rules)) is None  # entry right: the index lagged
    assert repair_recycle_due(decaying) is None
    moved = disqualified("bad_timing", rules).model_copy(update={"due_at": NOW})
    assert (repaired_moved := repair_recycle_due(moved)) is not None and repaired_moved.due_at == due
