"""The LeadPipeline's scoring steps: score (a submission's run), and the first steps of engagement and rescore runs,
which score the lead again; and the re-scoring the decay job and duplicate resolution share.

Every step is safe to retry: Step Functions retries a step after a timeout even if its first attempt wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from leadflow.domain.consent import after_unsubscribes
from leadflow.domain.identity import canonical_email
from leadflow.domain.merge import add_activity
from leadflow.domain.merge_chain import follow_merges
from leadflow.domain.ownership import Release, released_if_demoted
from leadflow.domain.scoring import SCORED_STAGES, mql_reason, score_lead, stage_after_scoring
from leadflow.models.events import (
    DomainEvent,
    EngagementState,
    LeadScored,
    LeadStageChanged,
    LeadUnassigned,
    RescoreState,
    SubmissionState,
)
from leadflow.models.lead import Activity, HistoryEntry, Lead, Score, Stage
from leadflow.models.owners import is_queue
from leadflow.models.rules import ScoringRuleSet
from leadflow.services.consent import announce_consent
from leadflow.services.lead_updates import LeadNotFound, update_existing_lead
from leadflow.services.pipeline_deps import LeadChangeDeps, active_ruleset
from leadflow.services.predictive_scoring import active_model, prediction_for
from leadflow.services.rep_load import release_owner
from leadflow.services.step_deps import ScoreDeps

if TYPE_CHECKING:
    from leadflow.domain.predictive_model import PredictiveModel


def score(state: SubmissionState, deps: ScoreDeps) -> SubmissionState:
    """Score fit and engagement with the active rule set, and make the lead an MQL when its cell qualifies.

    Engagement events that arrived by webhook before the lead existed (parked under its email) join a submission's
    lead here."""
    lead = state.require_lead()
    # Parked under the address this submission gave, which need not be the lead's primary one.
    email = canonical_email(state.submission.email)
    parked = deps.store.parked_activity(email)
    lead = rescore_lead(lead.lead_id, deps, ref=state.cause, new_activity=parked)
    if parked:
        deps.store.clear_parked_activity(email, [activity.event_id for activity in parked])
    return state.model_copy(update={"lead": lead})


def record_engagement(state: EngagementState, deps: ScoreDeps) -> EngagementState:
    """The first step of a run started by engagement.recorded: add the event to the lead and re-score it. The run
    then routes and notifies exactly as a submission's run does when the lead has just become an MQL."""
    engagement = state.engagement
    lead_id = _surviving_lead(deps, engagement.lead_id)
    deps.store.add_history(
        lead_id,
        HistoryEntry(
            at=engagement.activity.occurred_at,
            kind="engagement",
            ref=state.cause,
            detail=engagement.activity.model_dump(mode="json"),
        ),
    )
    lead = rescore_lead(lead_id, deps, ref=state.cause, new_activity=[engagement.activity])
    return state.model_copy(update={"lead": lead})


def rescore(state: RescoreState, deps: ScoreDeps) -> RescoreState:
    """The first step of a run started by lead.rescore_requested: score the lead (a merged-away lead's survivor)
    again. The run then routes and notifies like any new MQL's."""
    lead = rescore_lead(_surviving_lead(deps, state.rescore.lead_id), deps, ref=state.cause)
    return state.model_copy(update={"lead": lead})


def _surviving_lead(deps: LeadChangeDeps, lead_id: str) -> str:
    """The lead an event about `lead_id` belongs to now: a merged-away lead's survivor."""
    survivor = follow_merges(lead_id, deps.store.get_lead)
    if survivor is None:
        raise LeadNotFound(lead_id)
    if survivor.merged_into is not None:
        raise LeadNotFound(survivor.merged_into)
    return survivor.lead_id


def rescore_lead(
    lead_id: str,
    deps: LeadChangeDeps,
    *,
    ref: str,
    new_activity: Sequence[Activity] = (),
    context: ScoringContext | None = None,
) -> Lead:
    """Score a stored lead again (after a submission, an engagement event, a merge, the decay job's visit); `ref`
    names what caused it, for history. `new_activity` is added to the lead first, each event once. A job scoring
    many leads passes the `context` (rules and model) it read once."""
    return rescore_with_stage(lead_id, deps, ref=ref, new_activity=new_activity, context=context)[0]


def rescore_with_stage(
    lead_id: str,
    deps: LeadChangeDeps,
    *,
    ref: str,
    new_activity: Sequence[Activity] = (),
    context: ScoringContext | None = None,
) -> tuple[Lead, Stage]:
    """rescore_lead, also answering the stage the lead had before (the same stage when the score changed none).

    An unsubscribe among `new_activity` withdraws marketing consent in the same write (leadflow.domain.consent). An
    MQL the score demotes before sales accepted it loses its owner and its SLA (leadflow.domain.ownership)."""
    context = context or scoring_context(deps)
    rules = context.rules
    now = deps.clock.now()
    previous_stage: Stage | None = None
    merged_away = False
    release: Release | None = None

    def rescore(lead: Lead) -> Lead | None:
        nonlocal previous_stage, merged_away, release
        previous_stage = lead.stage
        release = None
        if lead.merged_into is not None:  # a tombstone (a job found it in a stale due entry): nothing to score
            merged_away = True
            return lead.model_copy(update={"due_at": None, "due_job": None}) if lead.due_at else None
        activity = lead.activity
        for event in new_activity:
            activity = add_activity(activity, event)
        lead = after_unsubscribes(lead.model_copy(update={"activity": activity}), new_activity)
        new_score = score_lead(lead, rules, now, prediction=prediction_for(lead, context.model, now))
        stage = stage_after_scoring(lead, new_score)
        changed = {"score": new_score, "stage": stage, "updated_at": now}
        if stage != lead.stage:
            changed["stage_changed_at"] = now
        scored, release = released_if_demoted(with_decay_due(lead.model_copy(update=changed)), lead.stage)
        return scored

    lead = update_existing_lead(deps.store, lead_id, rescore)
    if merged_away:
        return lead, lead.stage
    assert lead.score is not None and previous_stage is not None
    cause = _cause(lead.score, new_activity, ref)
    _announce_score(deps, lead, previous_stage, rules, ref=ref, now=now, cause=cause, release=release)
    _announce_consent(deps, lead, new_activity)
    return lead, previous_stage


def _cause(score: Score, new_activity: Sequence[Activity], ref: str) -> str:
    """What moved the score, in words, for a demotion's reason: the events that took points away, else the run."""
    new = {activity.event_id: activity for activity in new_activity}
    taken = [c for c in score.contributions if c.event_id in new and c.points < 0]
    if taken:
        return "; ".join(f"{new[c.event_id].type} event {c.event_id} ({c.points:+d}, rule {c.rule_id})" for c in taken)
    if new:
        return "after " + ", ".join(f"{activity.type} event {event_id}" for event_id, activity in new.items())
    if ref.startswith("decay"):
        return "engagement decayed"
    if ref.startswith("merge_"):
        return f"rescored after merge {ref}"
    return f"rescored after {ref}"


def _announce_consent(deps: LeadChangeDeps, lead: Lead, new_activity: Sequence[Activity]) -> None:
    """History and lead.consent_changed for a consent decision taken by one of `new_activity`, once: a retried step
    finds the history entry and announces nothing."""
    record = lead.consent_record
    if record is None or record.ref not in {activity.event_id for activity in new_activity}:
        return
    announce_consent(deps.store, deps.bus, lead.lead_id, record)


def with_decay_due(lead: Lead) -> Lead:
    """File a lead the score decides (new, recycled, MQL) in the due index at the moment decay alone changes that
    decision: an MQL decaying out of the MQL cells, or a lead whose penalty fades until it qualifies. Take any other
    lead's decay entry out (a recycle entry is the lifecycle's and stays)."""
    if lead.stage in SCORED_STAGES and lead.score is not None and lead.score.next_change_at is not None:
        return lead.model_copy(update={"due_at": lead.score.next_change_at, "due_job": "decay"})
    if lead.due_job == "decay":
        return lead.model_copy(update={"due_at": None, "due_job": None})
    return lead


@dataclass(frozen=True)
class ScoringContext:
    """What scoring reads besides the lead: the active rule set and the active predictive model (None: rules alone)."""

    rules: ScoringRuleSet
    model: PredictiveModel | None


def scoring_context(deps: LeadChangeDeps) -> ScoringContext:
    return ScoringContext(active_ruleset(deps.config, "scoring", ScoringRuleSet), active_model(deps.config))


def _announce_score(
    deps: LeadChangeDeps,
    lead: Lead,
    previous_stage: Stage,
    rules: ScoringRuleSet,
    *,
    ref: str,
    now: datetime,
    cause: str = "",
    release: Release | None = None,
) -> None:
    score = lead.score
    assert score is not None
    version = rules.version
    events: list[DomainEvent] = [
        LeadScored(
            lead_id=lead.lead_id,
            fit=score.fit,
            engagement=score.engagement,
            total=score.total,
            grade=score.grade,
            level=score.level,
            qualifies=score.qualifies,
            ruleset_version=version,
        )
    ]
    deps.store.add_history(
        lead.lead_id,
        HistoryEntry(
            at=now,
            kind="scored",
            ref=ref,
            detail={
                "fit": score.fit,
                "engagement": score.engagement,
                "cell": score.cell,
                "qualifies": score.qualifies,
                "ruleset_version": version,
            },
        ),
    )
    if lead.stage != previous_stage:
        reason = mql_reason(score, rules)
        if previous_stage is Stage.MQL and cause:  # a demotion says what caused it, not only the cell it left
            reason = f"{cause}: {reason}"
        deps.store.add_history(
            lead.lead_id,
            HistoryEntry(
                at=now,
                kind="stage_changed",
                ref=f"{previous_stage}->{lead.stage}@{now.isoformat()}",
                detail={"from": previous_stage, "to": lead.stage, "reason": reason, "ruleset_version": version},
            ),
        )
        events.append(
            LeadStageChanged(lead_id=lead.lead_id, from_stage=previous_stage, to_stage=lead.stage, reason=reason)
        )
        if release is not None:
            events += _released(deps, lead, release, reason, now)
    deps.bus.publish(events)


def _released(deps: LeadChangeDeps, lead: Lead, release: Release, reason: str, now: datetime) -> list[DomainEvent]:
    """History, capacity and lead.unassigned for an owner a demotion took the lead from. The history entry is
    written once, and the rep's open-lead count is given back only by the call that wrote it."""
    entry = HistoryEntry(
        at=now,
        kind="unassigned",
        ref=f"{release.owner_id}@{now.isoformat()}",
        detail={"rep_id": release.owner_id, "reason": reason, "sla_ended": release.sla_ended},
    )
    if not deps.store.add_history(lead.lead_id, entry):
        return []
    if not is_queue(release.owner_id):
        release_owner(deps.config, release.owner_id)
    return [LeadUnassigned(lead_id=lead.lead_id, rep_id=release.owner_id, reason=reason, sla_ended=release.sla_ended)]
