"""What one lead adds to the reports: its counters in each (dimension, capture day, value) cell, computed from the
stored lead and its history alone.

The projection stores each lead's contribution and, when the lead changes, applies the difference between the old
and the new one. So a report is always the sum of what the stored leads say: a redelivered or out-of-order event
changes nothing, a merged or erased lead drops out, and a rebuild from the leads table gives the same cells.

Rules (the reports' definitions):
- `all`, `source`, `medium`, `campaign`, `form` come from the lead's first touch (its first source), `grade` from its
  current score, `rep` and `team` from its current owner, `priority` from its SLA, `routing` from the routing rule
  version that assigned it, `track` from its latest nurture enrolment; a missing value is `(none)`.
- A lead counts at every funnel stage it ever reached (its history's stage changes and its current stage); once if
  it was ever disqualified, under the reason of its last disqualification; as won or lost by its outcome.
- Capture → assigned runs to its first assignment to a rep (a queue is not a rep); capture → first touch is the
  lead's speed to lead.
- Time: cohort conversion (`mql@7d`, …), hours in each stage left (`stay_h:<stage>`, `stays:<stage>`) and the
  sales cycle of a won deal (`cycle_h`), from leadflow.domain.report_timing.
- Attribution credits (`att:<model>:opp|won`) count under the `source` cell of each touch's channel, from
  leadflow.domain.attribution.
- SLA turns: each owner of the lead's SLA held one turn; a turn is missed when that owner let a deadline pass, and
  undecided (not counted) while the current owner's deadline still runs. Turns count under the rep whose turn it
  was; in every other dimension they count under the lead's values.

Pure: no I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from leadflow.domain.attribution import channel_credits
from leadflow.domain.latency_histogram import bucket_of
from leadflow.domain.report_timing import first_reached, timing_counters
from leadflow.models.lead import HistoryEntry, Lead
from leadflow.models.owners import is_queue
from leadflow.models.reports import FUNNEL_STAGES, NONE_VALUE, Cell, Contribution, Counters

_STAGE_KINDS = frozenset({"stage_changed", "disqualified", "recycled"})
_MAX_VALUE_LENGTH = 200


def add_counts(into: Counters, counts: Mapping[str, int]) -> Counters:
    """Add `counts` to `into`, name by name (the one way cells, groups and totals are summed); returns `into`."""
    for name, count in counts.items():
        into[name] = into.get(name, 0) + count
    return into


def _value(raw: str | None) -> str:
    text = (raw or "").strip()
    return text[:_MAX_VALUE_LENGTH] if text else NONE_VALUE


def lead_values(lead: Lead) -> dict[str, str]:
    """The lead's value in each dimension."""
    source = lead.first_source
    form = (source.form_id if source is not None else None) or (lead.form_ids[0] if lead.form_ids else None)
    assignment = lead.assignment
    return {
        "all": "all",
        "source": _value(source.utm_source if source is not None else None),
        "medium": _value(source.utm_medium if source is not None else None),
        "campaign": _value(source.utm_campaign if source is not None else None),
        "form": _value(form),
        "grade": _value(lead.score.grade if lead.score is not None else None),
        "rep": _value(assignment.rep_id if assignment is not None else None),
        "team": _value(assignment.team if assignment is not None else None),
        "priority": _value(lead.sla.priority if lead.sla is not None else None),
        "routing": _value(f"v{assignment.routing_version}" if assignment and assignment.routing_version else None),
        "track": _value(max(lead.nurture, key=lambda e: e.enrolled_at).track_id if lead.nurture else None),
    }


def stages_reached(lead: Lead, history: Iterable[HistoryEntry]) -> set[str]:
    reached = {str(lead.stage)}
    reached.update(str(entry.detail.get("to")) for entry in history if entry.kind in _STAGE_KINDS)
    return reached & set(FUNNEL_STAGES)


def _last_disqualification(lead: Lead, history: list[HistoryEntry]) -> str | None:
    codes = [str(e.detail.get("reason_code") or NONE_VALUE) for e in history if e.kind == "disqualified"]
    if codes:
        return codes[-1]
    if lead.disqualification is not None:
        return lead.disqualification.reason_code
    return None


def _first_rep_assignment(lead: Lead, history: list[HistoryEntry]) -> float | None:
    at = [e.at for e in history if e.kind in {"assigned", "reassigned"} and not is_queue(_assignee(e))]
    if not at:
        return None
    return max(0.0, (min(at) - lead.created_at).total_seconds())


def _assignee(entry: HistoryEntry) -> str:
    return str(entry.detail.get("to_rep") or entry.ref) if entry.kind == "reassigned" else entry.ref


def lead_counters(lead: Lead, history: list[HistoryEntry]) -> Counters:
    """The lead's own counters (the same in every dimension it is counted under)."""
    counters: Counter[str] = Counter(leads=1)
    counters.update(stages_reached(lead, history))
    reason = _last_disqualification(lead, history)
    if reason is not None:
        counters.update({"disqualified": 1, f"dq:{reason}": 1})
    if lead.outcome is not None:
        counters[lead.outcome.result] += 1
        if lead.outcome.result == "won" and lead.outcome.amount is not None:
            counters["won_cents"] += round(lead.outcome.amount * 100)
    assigned = _first_rep_assignment(lead, history)
    if assigned is not None:
        counters[f"s2a:{bucket_of(assigned)}"] += 1
    if lead.speed_to_lead_seconds is not None:
        counters[f"s2t:{bucket_of(lead.speed_to_lead_seconds)}"] += 1
    counters.update(timing_counters(lead, history))
    sla = lead.sla
    if sla is not None:
        counters["sla"] += 1
        if sla.breaches:
            counters.update(
                {
                    "sla_breached": 1,
                    "breaches": len(sla.breaches),
                    "reassigned": sum(1 for b in sla.breaches if b.action == "reassigned"),
                }
            )
        elif sla.status == "met":
            counters["sla_met"] += 1
        if sla.escalated_to is not None or sla.status == "escalated":
            counters["escalated"] += 1
    return {name: count for name, count in counters.items() if count}


def sla_turns(lead: Lead) -> dict[str, tuple[int, int]]:
    """Per owner of the lead's SLA: (turns decided, turns missed)."""
    sla = lead.sla
    if sla is None:
        return {}
    missed = Counter(breach.rep_id for breach in sla.breaches)
    held = Counter(sla.owners or [sla.rep_id])
    running_turn_open = sla.status == "running" and (not sla.breaches or sla.breaches[-1].rep_id != sla.rep_id)
    if running_turn_open and held[sla.rep_id] > missed[sla.rep_id]:
        held[sla.rep_id] -= 1
    return {rep: (held[rep], missed[rep]) for rep in held | missed if held[rep] or missed[rep]}


def contribution(lead: Lead | None, history: list[HistoryEntry]) -> Contribution:
    """Every counter the lead adds to the reports; empty for a lead that no longer counts (erased, or merged into
    another lead, whose own contribution carries the person from then on)."""
    if lead is None or lead.merged_into is not None:
        return {}
    day = lead.created_at.date().isoformat()
    values = lead_values(lead)
    own = lead_counters(lead, history)
    turns = sla_turns(lead)
    total_held = sum(held for held, _ in turns.values())
    total_missed = sum(missed for _, missed in turns.values())
    cells: Contribution = {}
    for dimension, value in values.items():
        counters = dict(own)
        if dimension != "rep":
            _add_turns(counters, total_held, total_missed)
        cells[Cell(dimension, day, value)] = counters
    for rep, (held, missed) in turns.items():
        rep_cell = Cell("rep", day, _value(rep))
        cells[rep_cell] = _add_turns(dict(cells.get(rep_cell, {})), held, missed)
    for channel, credited in channel_credits(lead, history, first_reached(lead, history).get("opportunity")).items():
        source_cell = Cell("source", day, _value(channel))
        cells[source_cell] = add_counts(dict(cells.get(source_cell, {})), credited)
    return cells


def _add_turns(counters: Counters, held: int, missed: int) -> Counters:
    if held:
        counters["turns"] = counters.get("turns", 0) + held
    if missed:
        counters["turns_missed"] = counters.get("turns_missed", 0) + missed
    return counters


def difference(old: Contribution, new: Contribution) -> Contribution:
    """What to add to the stored cells to turn `old` into `new` (negative counts retract); unchanged cells left out."""
    delta: Contribution = {}
    for cell in old.keys() | new.keys():
        before, after = old.get(cell, {}), new.get(cell, {})
        changes = {name: after.get(name, 0) - before.get(name, 0) for name in before.keys() | after.keys()}
        changes = {name: change for name, change in changes.items() if change}
        if changes:
            delta[cell] = changes
    return delta
