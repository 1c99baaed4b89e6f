"""Who gets a qualified lead: round robin over the active reps of a pool, for the route step.

The turn comes from an atomic counter in the config store, so concurrent pipeline runs never pick by reading and
writing a shared "last rep" (two runs would give the same rep the same turn). Every pick records the candidates
and who was skipped and why, which is what an assignment must be able to show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from leadflow.models.lead import Assignment, Lead
from leadflow.models.rules import Rep

DEFAULT_POOL = "default"
ROUND_ROBIN = "round_robin"


class NoEligibleRep(Exception):
    """No rep can take the lead (every rep in the pool is inactive, or the pool is empty)."""


@dataclass(frozen=True)
class RoundRobinPick:
    rep: Rep
    candidates: list[str]  # eligible rep ids, in roster order
    skipped: dict[str, str]  # rep id -> why it was not a candidate
    sequence_number: int  # the counter value that chose this rep


def pick_round_robin(reps: Sequence[Rep], sequence_number: int) -> RoundRobinPick:
    """The rep whose turn `sequence_number` (1-based, from the atomic counter) is, among active reps in roster order.

    Raises NoEligibleRep when no rep is active, ValueError for a sequence number below 1."""
    if sequence_number < 1:
        raise ValueError(f"round-robin sequence numbers start at 1; got {sequence_number}")
    eligible = [rep for rep in reps if rep.active]
    skipped = {rep.rep_id: "inactive" for rep in reps if not rep.active}
    if not eligible:
        detail = f"; skipped: {', '.join(f'{rep_id} ({why})' for rep_id, why in skipped.items())}" if skipped else ""
        raise NoEligibleRep(f"no eligible rep among {len(reps)} in the pool{detail}")
    rep = eligible[(sequence_number - 1) % len(eligible)]
    return RoundRobinPick(
        rep=rep,
        candidates=[candidate.rep_id for candidate in eligible],
        skipped=skipped,
        sequence_number=sequence_number,
    )


def build_assignment(
    pick: RoundRobinPick, *, ruleset_version: int, at: datetime, pool: str = DEFAULT_POOL
) -> Assignment:
    """The assignment record for a pick: who, by which rule and roster version, and what else was considered."""
    return Assignment(
        rep_id=pick.rep.rep_id,
        rep_name=pick.rep.name,
        rep_email=pick.rep.email,
        rule=ROUND_ROBIN,
        pool=pool,
        cursor=pick.sequence_number,
        candidates=list(pick.candidates),
        skipped=dict(pick.skipped),
        ruleset_version=ruleset_version,
        assigned_at=at,
    )


def assign(lead: Lead, assignment: Assignment) -> Lead:
    """The lead owned by the assignment's rep."""
    return lead.model_copy(update={"owner_id": assignment.rep_id, "assignment": assignment})
