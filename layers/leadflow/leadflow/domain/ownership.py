"""What happens to a lead's owner when the score, not a person, moves the lead: an MQL that no longer qualifies
before sales accepted it goes back to marketing.

The policy, as sales expect it:
- A lead sales accepted (`sal` and beyond) is theirs: scoring never moves it (leadflow.domain.scoring).
- An MQL that stops qualifying (its engagement decayed, an unsubscribe took points away, a merge changed who it is)
  while it waits for a rep goes back to `new`, and its owner is released: no owner, no assignment, one open lead
  fewer against the rep's capacity, and its SLA ends without a breach (the timer sees it at its deadline). A rep who
  is working the lead accepts it (`POST /v1/leads/{id}/stage` `accept`) to keep it.
- When it qualifies again it is routed again like any new MQL (the account owner first, when the rules say so)."""

from __future__ import annotations

from dataclasses import dataclass

from leadflow.models.lead import Lead, Stage


@dataclass(frozen=True)
class Release:
    """The owner a demoted lead was taken from (a rep, or a queue), for history, events and capacity."""

    owner_id: str
    sla_ended: bool


def released_if_demoted(lead: Lead, previous_stage: Stage) -> tuple[Lead, Release | None]:
    """The lead without its owner, assignment and running SLA when the score just took it from MQL back to new;
    the lead unchanged (and None) otherwise."""
    if previous_stage is not Stage.MQL or lead.stage is not Stage.NEW or lead.owner_id is None:
        return lead, None
    sla = lead.sla
    running = sla is not None and sla.status == "running"
    update: dict[str, object] = {"owner_id": None, "assignment": None}
    if running and sla is not None:
        update["sla"] = sla.model_copy(update={"status": "ended"})
    return lead.model_copy(update=update), Release(owner_id=lead.owner_id, sla_ended=running)
