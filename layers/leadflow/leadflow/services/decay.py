"""The decay job: re-score the leads whose decaying engagement has crossed out of the MQL cells, and only those.

When a lead is scored, the scorer knows the moment its engagement will decay out of the MQL cells and files the lead
in the sparse due index at that time (leadflow.services.pipeline.with_decay_due). The hourly job reads the index up
to now, so its cost follows the number of leads due, whatever the size of the table."""

from __future__ import annotations

from dataclasses import dataclass

from leadflow.models.events import LeadRescoreRequested
from leadflow.models.lead import Stage
from leadflow.services.lead_updates import LeadNotFound
from leadflow.services.pipeline_deps import DueJobDeps
from leadflow.services.score_steps import rescore_with_stage, scoring_context

PAGE = 200


@dataclass(frozen=True)
class DecayRun:
    visited: int
    demoted: int
    promoted: int = 0


def decay_due_leads(deps: DueJobDeps, *, page: int = PAGE) -> DecayRun:
    """Re-score every lead due for decay by now: an MQL whose score no longer qualifies goes back to `new`; a lead
    whose fading penalty makes it qualify becomes an MQL and is handed to the lead pipeline to be routed."""
    now = deps.clock.now()
    context = scoring_context(deps)  # read once for the whole run
    run_ref = f"decay@{now.isoformat()}"  # each run's re-score is its own history entry
    visited: set[str] = set()
    demoted = promoted = 0
    while True:
        # A re-scored lead leaves the index (or moves to a later time), so each page holds only leads not seen yet;
        # the index is eventually consistent, so a lead just re-scored may still show up once: skip it.
        due = [lead_id for lead_id in deps.store.due_leads("decay", now, page) if lead_id not in visited]
        if not due:
            break
        for lead_id in due:
            visited.add(lead_id)
            try:
                lead, before = rescore_with_stage(lead_id, deps, ref=run_ref, context=context)
            except LeadNotFound:
                continue
            demoted += before is Stage.MQL and lead.stage is Stage.NEW
            if before is not Stage.MQL and lead.stage is Stage.MQL:
                # Promotion must be routed: the lead pipeline re-scores it (no change now) and routes and notifies it
                # as it does any new MQL.
                promoted += 1
                deps.bus.publish([LeadRescoreRequested(lead_id=lead_id, reason="decay", requested_at=now)])
    return DecayRun(visited=len(visited), demoted=demoted, promoted=promoted)
