"""The LeadPipeline's steps after dedupe (leadflow.services.dedupe). Each takes the pipeline state, makes one
decision, stores it and announces it.

Every step is safe to retry: Step Functions retries a step after a timeout even if its first attempt wrote.
"""

from __future__ import annotations

from leadflow.domain.accounts import account_for
from leadflow.domain.enrichment import enrich_with
from leadflow.domain.identity import email_domain
from leadflow.domain.notifications import assignment_notification
from leadflow.domain.routing import build_assignment, pick_round_robin
from leadflow.domain.scoring import score_lead, stage_after_scoring
from leadflow.models.events import (
    AccountCreated,
    LeadAssigned,
    LeadEnriched,
    LeadScored,
    LeadStageChanged,
    NotificationQueued,
    PipelineState,
)
from leadflow.models.lead import HistoryEntry, Lead, Stage
from leadflow.models.rules import RepRoster, ScoringRuleSet
from leadflow.services.dedupe import dedupe
from leadflow.services.lead_updates import update_existing_lead
from leadflow.services.pipeline_deps import MissingConfig, PipelineDeps, active_ruleset

__all__ = ["MissingConfig", "PipelineDeps", "dedupe", "enrich_lead", "notify", "route", "score"]

DEFAULT_POOL = "default"


def enrich_lead(state: PipelineState, deps: PipelineDeps) -> PipelineState:
    """Fill company, industry and size from the email domain (the configured provider, else the bundled directory);
    mark free-mail domains; link the lead to its account, creating the account on first sight."""
    lead_id = state.require_lead().lead_id
    now = deps.clock.now()

    def add_firmographics(lead: Lead) -> Lead | None:
        firmographics = enrich_with(email_domain(lead.email_canonical), deps.enrichment)
        account = account_for(lead.model_copy(update={"firmographics": firmographics}), deps.directory, now)
        account_id = account.account_id if account else None
        if firmographics == lead.firmographics and account_id == lead.account_id:
            return None
        return lead.model_copy(update={"firmographics": firmographics, "account_id": account_id, "updated_at": now})

    lead = update_existing_lead(deps.store, lead_id, add_firmographics)
    if lead.firmographics is None:
        return state.model_copy(update={"lead": lead})
    events: list[LeadEnriched | AccountCreated] = [
        LeadEnriched(
            lead_id=lead_id,
            domain=lead.firmographics.domain,
            known=lead.firmographics.known,
            free_mail=lead.firmographics.free_mail,
            account_id=lead.account_id,
        )
    ]
    account = account_for(lead, deps.directory, now)
    if account is not None and deps.store.link_account(account, lead_id):
        events.append(AccountCreated(account_id=account.account_id, name=account.name, first_lead_id=lead_id))
    deps.store.add_history(
        lead_id,
        HistoryEntry(
            at=lead.updated_at,
            kind="enriched",
            ref=lead.firmographics.domain,
            detail={**lead.firmographics.model_dump(mode="json"), "account_id": lead.account_id},
        ),
    )
    deps.bus.publish(events)
    return state.model_copy(update={"lead": lead})


def score(state: PipelineState, deps: PipelineDeps) -> PipelineState:
    """Score fit and behaviour with the active rule set, and make the lead an MQL when it qualifies."""
    lead = rescore_lead(state.require_lead().lead_id, deps, ref=state.submission_id)
    return state.model_copy(update={"lead": lead})


def rescore_lead(lead_id: str, deps: PipelineDeps, *, ref: str) -> Lead:
    """Score a stored lead again (after a submission, a merge, ...); `ref` names what caused it, for history."""
    rules = active_ruleset(deps.config, "scoring", ScoringRuleSet)
    version = rules.version
    now = deps.clock.now()
    previous_stage: Stage | None = None

    def rescore(lead: Lead) -> Lead:
        nonlocal previous_stage
        previous_stage = lead.stage
        new_score = score_lead(lead, rules, now)
        return lead.model_copy(
            update={"score": new_score, "stage": stage_after_scoring(lead, new_score, rules), "updated_at": now}
        )

    lead = update_existing_lead(deps.store, lead_id, rescore)
    assert lead.score is not None and previous_stage is not None
    events: list[LeadScored | LeadStageChanged] = [
        LeadScored(
            lead_id=lead.lead_id,
            fit=lead.score.fit,
            behaviour=lead.score.behaviour,
            total=lead.score.total,
            ruleset_version=version,
        )
    ]
    deps.store.add_history(
        lead.lead_id,
        HistoryEntry(
            at=now,
            kind="scored",
            ref=ref,
            detail={"fit": lead.score.fit, "behaviour": lead.score.behaviour, "ruleset_version": version},
        ),
    )
    if lead.stage != previous_stage:
        reason = f"score {lead.score.total} reached the MQL threshold {rules.mql_threshold}"
        deps.store.add_history(
            lead.lead_id,
            HistoryEntry(
                at=now,
                kind="stage_changed",
                ref=f"{previous_stage}->{lead.stage}",
                detail={"from": previous_stage, "to": lead.stage, "reason": reason, "ruleset_version": version},
            ),
        )
        events.append(
            LeadStageChanged(lead_id=lead.lead_id, from_stage=previous_stage, to_stage=lead.stage, reason=reason)
        )
    deps.bus.publish(events)
    return lead


def route(state: PipelineState, deps: PipelineDeps) -> PipelineState:
    """Assign an unowned MQL round-robin over the active reps; an atomic cursor keeps concurrent routing fair."""
    lead = state.require_lead()
    roster = active_ruleset(deps.config, "reps", RepRoster)
    version = roster.version
    now = deps.clock.now()
    assigned_now = False

    def assign(current: Lead) -> Lead | None:
        nonlocal assigned_now
        if current.owner_id is not None or current.stage is not Stage.MQL:
            return None  # already routed (a retry, or a concurrent run for the same person)
        sequence = deps.config.next_in_sequence(f"pool#{DEFAULT_POOL}")
        pick = pick_round_robin(roster.reps, sequence)
        assignment = build_assignment(pick, pool=DEFAULT_POOL, ruleset_version=version, at=now)
        assigned_now = True
        return current.model_copy(update={"owner_id": assignment.rep_id, "assignment": assignment, "updated_at": now})

    lead = update_existing_lead(deps.store, lead.lead_id, assign)
    if assigned_now and lead.assignment is not None:
        deps.store.add_history(
            lead.lead_id,
            HistoryEntry(
                at=now, kind="assigned", ref=lead.assignment.rep_id, detail=lead.assignment.model_dump(mode="json")
            ),
        )
        deps.bus.publish(
            [
                LeadAssigned(
                    lead_id=lead.lead_id,
                    rep_id=lead.assignment.rep_id,
                    rule=lead.assignment.rule,
                    pool=lead.assignment.pool,
                    ruleset_version=version,
                )
            ]
        )
    return state.model_copy(update={"lead": lead})


def notify(state: PipelineState, deps: PipelineDeps) -> PipelineState:
    """Queue the assigned rep's notification in the outbox, once per assignment."""
    lead = state.require_lead()
    if lead.assignment is None:
        return state
    notification = assignment_notification(lead, lead.assignment, deps.api_base_url)
    if deps.outbox.queue(notification):
        deps.store.add_history(
            lead.lead_id,
            HistoryEntry(
                at=notification.created_at,
                kind="notified",
                ref=notification.notification_id,
                detail={"rep_id": notification.rep_id, "channel": notification.channel},
            ),
        )
        deps.bus.publish(
            [
                NotificationQueued(
                    notification_id=notification.notification_id,
                    lead_id=lead.lead_id,
                    rep_id=notification.rep_id,
                    channel=notification.channel,
                )
            ]
        )
    return state
