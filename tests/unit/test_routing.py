"""Round robin: which rep gets the next qualified lead, and what the assignment records."""

from __future__ import annotations

from datetime import datetime

import pytest
from leadflow.domain.routing import NoEligibleRep, assign, build_assignment, pick_round_robin
from leadflow.models.lead import Lead
from leadflow.models.rules import Rep, RepRoster


def rep(rep_id: str, *, active: bool = True) -> Rep:
    return Rep(rep_id=rep_id, name=rep_id.title(), email=f"{rep_id}@example.com", active=active)


def test_sequence_numbers_cycle_through_the_active_reps_in_roster_order(default_reps: RepRoster) -> None:
    picks = [pick_round_robin(default_reps.reps, n).rep.rep_id for n in range(1, 8)]

    assert picks == [
        "dana-whitfield", "marcus-okafor", "tomas-lindqvist",
        "dana-whitfield", "marcus-okafor", "tomas-lindqvist",
        "dana-whitfield",
    ]  # fmt: skip


def test_an_inactive_rep_is_skipped_with_the_reason(default_reps: RepRoster) -> None:
    pick = pick_round_robin(default_reps.reps, 3)

    assert pick.skipped == {"priya-raman": "inactive"}
    assert pick.candidates == ["dana-whitfield", "marcus-okafor", "tomas-lindqvist"]


def test_a_pool_without_an_active_rep_raises_no_eligible_rep() -> None:
    with pytest.raises(NoEligibleRep, match=r"ana \(inactive\), ben \(inactive\)"):
        pick_round_robin([rep("ana", active=False), rep("ben", active=False)], 1)


def test_an_empty_pool_raises_no_eligible_rep() -> None:
    with pytest.raises(NoEligibleRep):
        pick_round_robin([], 1)


def test_a_sequence_number_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        pick_round_robin([rep("ana")], 0)


def test_an_assignment_records_the_rule_cursor_candidates_skipped_reps_and_version(now: datetime) -> None:
    pick = pick_round_robin([rep("ana"), rep("ben", active=False), rep("cleo")], 2)

    assignment = build_assignment(pick, ruleset_version=3, at=now)

    assert (assignment.rep_id, assignment.rep_name, assignment.rep_email) == ("cleo", "Cleo", "cleo@example.com")
    assert (assignment.rule, assignment.pool, assignment.cursor) == ("round_robin", "default", 2)
    assert (assignment.candidates, assignment.skipped) == (["ana", "cleo"], {"ben": "inactive"})
    assert (assignment.ruleset_version, assignment.assigned_at) == (3, now)


def test_assigning_a_lead_makes_the_rep_its_owner(now: datetime) -> None:
    lead = Lead(lead_id="lead-0001", email="ada@northwind.example", email_canonical="ada@northwind.example",
                created_at=now, updated_at=now)  # fmt: skip
    assignment = build_assignment(pick_round_robin([rep("ana")], 1), ruleset_version=1, at=now)

    owned = assign(lead, assignment)

    assert (owned.owner_id, owned.assignment) == ("ana", assignment)
