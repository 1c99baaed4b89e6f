"""The time a lead took, as report counters: when it reached each stage after its capture (cohort conversion at +7,
+30 and +90 days), how long it stayed in each stage it left, and its sales cycle when won.

Durations are counted in whole hours so that the sums stay integers that add up exactly across cells.

Pure: no I/O."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from itertools import pairwise

from leadflow.models.lead import HistoryEntry, Lead, Stage

#: Days after capture a cohort's conversion is measured at.
COHORT_WINDOWS = (7, 30, 90)
#: The stages a cohort's conversion is measured to.
COHORT_STAGES = ("mql", "sql", "customer")
_STAGE_KINDS = frozenset({"stage_changed", "disqualified", "recycled"})
_HOUR = 3600


def stage_moves(lead: Lead, history: list[HistoryEntry]) -> list[tuple[str, datetime]]:
    """Each stage the lead entered and when, oldest first, starting with `new` at its capture."""
    moves = [(Stage.NEW.value, lead.created_at)]
    changes = sorted((e.at, str(e.detail.get("to"))) for e in history if e.kind in _STAGE_KINDS and e.detail.get("to"))
    moves += [(stage, at) for at, stage in changes]
    if moves[-1][0] != lead.stage.value and lead.stage_changed_at is not None:
        moves.append((lead.stage.value, lead.stage_changed_at))  # a change whose history entry is not written yet
    return moves


def first_reached(lead: Lead, history: list[HistoryEntry]) -> dict[str, datetime]:
    reached: dict[str, datetime] = {}
    for stage, at in stage_moves(lead, history):
        reached.setdefault(stage, at)
    return reached


def timing_counters(lead: Lead, history: list[HistoryEntry]) -> Counter[str]:
    counters: Counter[str] = Counter()
    reached = first_reached(lead, history)
    for stage in COHORT_STAGES:
        if stage in reached:
            days = (reached[stage] - lead.created_at).total_seconds() / 86_400
            counters.update(f"{stage}@{window}d" for window in COHORT_WINDOWS if days <= window)
    moves = stage_moves(lead, history)
    for (stage, entered), (_, left) in pairwise(moves):
        counters[f"stay_h:{stage}"] += max(0, round((left - entered).total_seconds() / _HOUR))
        counters[f"stays:{stage}"] += 1
    if lead.outcome is not None and lead.outcome.result == "won":
        counters["cycle_h"] += max(0, round((lead.outcome.closed_at - lead.created_at).total_seconds() / _HOUR))
    return counters
