"""The LeadPipeline's last steps: route (assign an unowned MQL to a rep) and notify (queue the rep's message).

Safe to retry: Step Functions retries a step after a timeout even if its first attempt wrote."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadflow.domain.notifications import assignment_notification
from leadflow.models.events import PipelineState
from leadflow.models.owners import is_queue
from leadflow.services.announcements import queue_notification
from leadflow.services.lead_updates import update_existing_lead
from leadflow.services.routing import assign_lead

if TYPE_CHECKING:
    from datetime import datetime

    from leadflow.models.lead import Lead
    from leadflow.services.pipeline_deps import RoutingDeps
    from leadflow.services.step_deps import NotifyDeps


def route(state: PipelineState, deps: RoutingDeps) -> PipelineState:
    """Assign an unowned MQL by the routing rules (leadflow.services.routing); a retry changes nothing."""
    lead = assign_lead(state.require_lead().lead_id, deps)
    return state.model_copy(update={"lead": lead})


def notify(state: PipelineState, deps: NotifyDeps) -> PipelineState:
    """Queue the assigned rep's notification in the outbox, once per assignment, and note on the lead that the rep
    was told, so a replayed run (redrive, sweeper) notifies exactly when this step never finished.

    A retry redoes what an earlier attempt may not have finished (leadflow.services.announcements.queue_notification).
    The lead is marked last, so a marked lead was announced."""
    lead = state.require_lead()
    if lead.assignment is None or is_queue(lead.owner_id):  # a queue is worked from its listing, not notified
        return state
    assigned_at = lead.assignment.assigned_at

    def finished() -> bool:
        stored = deps.store.get_lead(lead.lead_id)
        return stored is not None and stored.notified_assignment == assigned_at

    notification = assignment_notification(lead, lead.assignment, deps.api_base_url)
    deps.bus.publish(queue_notification(deps.store, deps.outbox, notification, finished=finished))
    return state.model_copy(update={"lead": _mark_notified(deps, lead.lead_id, assigned_at)})


def _mark_notified(deps: NotifyDeps, lead_id: str, assigned_at: datetime) -> Lead:
    def mark(lead: Lead) -> Lead | None:
        # Only the assignment that was notified: a reassignment since then is told where it is made.
        if lead.assignment is None or lead.assignment.assigned_at != assigned_at:
            return None
        if lead.notified_assignment == assigned_at:
            return None
        return lead.model_copy(update={"notified_assignment": assigned_at})

    return update_existing_lead(deps.store, lead_id, mark)
