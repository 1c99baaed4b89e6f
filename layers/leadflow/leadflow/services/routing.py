"""Assigning and reassigning leads by the routing rules: the pipeline's route step, managers' reassignments and SLA
escalations all come through here, so every owner change is decided, counted, recorded and announced one way.

Capacity is held in atomic counters in the config store (`open#<rep>`, `daily#<rep>#<local day>`): a claim is one
conditional write, and a claim whose lead was not saved (a concurrent run won) is given back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from leadflow.domain.availability import daily_limit_reason, local_day, open_limit_reason, unavailable_reason
from leadflow.domain.routing import NoEligibleRep, RoutingInputs, builtin_routing, decide
from leadflow.models.events import DomainEvent, LeadAssigned, LeadReassigned
from leadflow.models.lead import PIPELINE_ACTOR, Assignment, HistoryEntry, Lead, Stage
from leadflow.models.owners import is_queue
from leadflow.models.roster import reference_problems
from leadflow.models.routing import RoutingRuleSet
from leadflow.models.rules import Rep, RepRoster, parse_ruleset
from leadflow.ports import Accounts, Counters, LeadRecords, RuleSets
from leadflow.services.lead_updates import LeadNotFound, update_existing_lead
from leadflow.services.pipeline_deps import RoutingDeps, active_ruleset
from leadflow.services.rep_load import daily_counter, open_counter, release_owner


class AccountsAndLeads(Accounts, LeadRecords, Protocol):
    """What finding an account's owner reads: the account, its leads and their owners."""


__all__ = [
    "NoEligibleRep",
    "ReassignmentRefused",
    "UnknownRep",
    "assign_lead",
    "daily_counter",
    "open_counter",
    "reassign_lead",
    "release_owner",
]

UNLIMITED = 2**31  # open leads of a rep without `max_open` are still counted (for least_loaded and GET /v1/reps)
ACCOUNT_LEADS_READ = 20  # bounds the account-owner lookup's reads, whatever the account's size
CLOSED_STAGES = (Stage.CUSTOMER, Stage.DISQUALIFIED)


class UnknownRep(ValueError):
    def __init__(self, rep_id: str) -> None:
        super().__init__(f"to_rep: no rep {rep_id!r} in the active roster")
        self.rep_id = rep_id


class ReassignmentRefused(Exception):
    """The lead cannot be reassigned as asked (it is closed, or the named rep cannot take leads)."""


@dataclass(frozen=True)
class RoutingConfig:
    routing: RoutingRuleSet
    roster: RepRoster


def routing_config(config: RuleSets) -> RoutingConfig:
    """The active roster and routing rules; before any routing rules are published, round robin over the roster."""
    roster = active_ruleset(config, "reps", RepRoster)
    found = config.active("routing")
    routing = parse_ruleset("routing", found[1], version=found[0]) if found else builtin_routing(roster)
    return RoutingConfig(routing, roster)


def routing_reference_problems(kind: str, body: dict[str, Any], config: RuleSets) -> list[str]:
    """Cross-document checks before publishing `reps` or `routing`: every rep and team a routing rule names must be
    in the roster. (Each document alone is validated by parse_ruleset; this needs both.)"""
    if kind == "routing":
        roster_found = config.active("reps")
        if roster_found is None:
            return ["routing: publish a reps roster first; routing rules name its reps and teams"]
        return reference_problems(parse_ruleset("routing", body), parse_ruleset("reps", roster_found[1]))
    if kind == "reps":
        routing_found = config.active("routing")
        if routing_found is None:
            return []
        problems = reference_problems(parse_ruleset("routing", routing_found[1]), parse_ruleset("reps", body))
        return [f"{problem} (in the active routing rules)" for problem in problems]
    return []


def _two_days_on(at: datetime) -> int:
    return int((at + timedelta(days=2)).timestamp())


class _Claims:
    """Capacity taken for one decision, so it can be given back when the decision is not saved."""

    def __init__(self, config: Counters, at: datetime) -> None:
        self._config = config
        self._at = at
        self.taken: list[str] = []

    def claim(self, rep: Rep) -> str | None:
        opened = open_counter(rep.rep_id)
        if not self._config.increment_if_below(opened, rep.max_open or UNLIMITED):
            return open_limit_reason(rep.max_open or UNLIMITED)
        names = [opened]
        if rep.max_new_per_day is not None:
            daily = daily_counter(rep.rep_id, local_day(rep, self._at).isoformat())
            # A day's count is worthless two days on: the config table's TTL removes it.
            if not self._config.increment_if_below(daily, rep.max_new_per_day, expires_at=_two_days_on(self._at)):
                self._config.decrement(opened)
                return daily_limit_reason(rep.max_new_per_day)
            names.append(daily)
        self.taken = names
        return None

    def force(self, rep: Rep) -> None:
        """Count a lead a manager gave the rep, whatever their limits say."""
        self._config.next_in_sequence(open_counter(rep.rep_id))
        self.taken = [open_counter(rep.rep_id)]
        if rep.max_new_per_day is not None:
            daily = daily_counter(rep.rep_id, local_day(rep, self._at).isoformat())
            self._config.next_in_sequence(daily)
            self.taken.append(daily)

    def release(self) -> None:
        for name in self.taken:
            self._config.decrement(name)
        self.taken = []


def account_owner(store: AccountsAndLeads, lead: Lead) -> str | None:
    """The rep who owns the lead's account: the account's `owner_id` when set, else the owner of the account's
    earliest-assigned other lead (of the first ACCOUNT_LEADS_READ filed under it)."""
    if lead.account_id is None:
        return None
    account = store.get_account(lead.account_id)
    if account is not None and account.owner_id:
        return account.owner_id
    owned: list[tuple[datetime, str]] = []
    filed = store.account_lead_ids(lead.account_id, first=ACCOUNT_LEADS_READ)
    for other in store.get_leads([lead_id for lead_id in filed if lead_id != lead.lead_id]):  # read together
        if other.merged_into or other.assignment is None or not other.owner_id:
            continue
        if not is_queue(other.owner_id):
            owned.append((other.assignment.assigned_at, other.owner_id))
    return min(owned)[1] if owned else None


def _inputs(
    deps: RoutingDeps, config: RoutingConfig, lead: Lead, claims: _Claims, exclude: Sequence[str]
) -> RoutingInputs:
    owner = account_owner(deps.store, lead) if _uses_account_owner(config.routing) else None
    return RoutingInputs(
        routing=config.routing,
        roster=config.roster,
        at=deps.clock.now(),
        next_sequence=deps.config.next_in_sequence,
        claim=claims.claim,
        loads=lambda rep_ids: {rep_id: deps.config.counter(open_counter(rep_id)) for rep_id in rep_ids},
        account_owner=owner,
        exclude=tuple(exclude),
    )


def _uses_account_owner(routing: RoutingRuleSet) -> bool:
    return routing.account_owner_first or any(rule.assign.account_owner for rule in routing.rules)


def _routable(lead: Lead) -> bool:
    return lead.owner_id is None and lead.stage is Stage.MQL and lead.merged_into is None


def assign_lead(
    lead_id: str, deps: RoutingDeps, *, exclude: Sequence[str] = (), actor: str = PIPELINE_ACTOR, reason: str = ""
) -> Lead:
    """Give an unowned MQL an owner by the routing rules (a rep, or the fallback queue); record why and announce
    `lead.assigned`. A lead that already has an owner or is not an MQL is returned unchanged, so retries are safe.

    Raises LeadNotFound, NoEligibleRep (nobody can take it and the rules have no fallback queue)."""
    lead = deps.store.get_lead(lead_id)
    if lead is None:
        raise LeadNotFound(lead_id)
    if not _routable(lead):
        if lead.notification_owed:  # a replayed run: the one that assigned it may have died before announcing it
            _finish_announcement(deps, lead)
        return lead
    config = routing_config(deps.config)
    claims = _Claims(deps.config, deps.clock.now())
    decided = decide(lead, _inputs(deps, config, lead, claims, exclude))
    assignment = decided.model_copy(update={"actor": actor, "reason": _joined(decided.reason, reason)})
    saved = _save(deps, lead_id, assignment, claims, _routable, as_read=lead)
    if saved is None:
        return deps.store.get_lead(lead_id) or lead
    _announce(deps, saved, assignment, previous=None, actor=actor, reason=reason, reassignment=False)
    return saved


def reassign_lead(
    lead_id: str,
    deps: RoutingDeps,
    *,
    actor: str,
    reason: str,
    to_rep: str | None = None,
    exclude: Sequence[str] = (),
) -> Lead:
    """Give the lead a new owner other than its current one (and `exclude`) by the routing rules, or `to_rep` when
    a manager names one (their choice outranks capacity, hours and absence, but not an inactive rep). Records
    history and announces `lead.reassigned` and `lead.assigned`. If the owner changes meanwhile, the lead is
    returned as it now is and nothing else happens.

    Raises LeadNotFound, UnknownRep, ReassignmentRefused, NoEligibleRep (as assign_lead)."""
    lead = deps.store.get_lead(lead_id)
    if lead is None:
        raise LeadNotFound(lead_id)
    if lead.stage in CLOSED_STAGES or lead.merged_into is not None:
        state = f"merged into {lead.merged_into}" if lead.merged_into else lead.stage.value
        raise ReassignmentRefused(f"lead {lead_id} is {state}: only an open lead can be reassigned")
    previous = lead.owner_id
    config = routing_config(deps.config)
    now = deps.clock.now()
    claims = _Claims(deps.config, now)
    if to_rep is not None:
        decided = _managers_choice(config.roster, to_rep, previous, claims, now)
    else:
        excluded = [*([previous] if previous else []), *exclude]
        decided = decide(lead, _inputs(deps, config, lead, claims, excluded))
    assignment = decided.model_copy(
        update={"actor": actor, "previous_owner": previous, "reason": _joined(decided.reason, reason)}
    )
    saved = _save(deps, lead_id, assignment, claims, lambda current: current.owner_id == previous, as_read=lead)
    if saved is None:
        return deps.store.get_lead(lead_id) or lead
    if previous is not None and not is_queue(previous):
        release_owner(deps.config, previous)
    _announce(deps, saved, assignment, previous=previous, actor=actor, reason=reason, reassignment=True)
    return saved


def _managers_choice(
    roster: RepRoster, to_rep: str, previous: str | None, claims: _Claims, now: datetime
) -> Assignment:
    rep = roster.find(to_rep)
    if rep is None:
        raise UnknownRep(to_rep)
    if to_rep == previous:
        raise ReassignmentRefused(f"rep {to_rep} already owns the lead")
    if not rep.active:
        raise ReassignmentRefused(f"rep {to_rep} is inactive and takes no leads")
    claims.force(rep)
    note = unavailable_reason(rep, now)
    return Assignment(
        rep_id=rep.rep_id,
        rep_name=rep.name,
        rep_email=rep.email,
        rule="manager",
        pool=f"rep:{rep.rep_id}",
        candidates=[rep.rep_id],
        ruleset_version=roster.version,
        assigned_at=now,
        strategy="manager",
        reason=f"named by a manager{f' ({note})' if note else ''}",
    )


def _save(
    deps: RoutingDeps, lead_id: str, assignment: Assignment, claims: _Claims, still_applies: Any, *, as_read: Lead
) -> Lead | None:
    """Store the assignment if `still_applies` to the lead as it is then; None (capacity given back) if not. The
    lead as the step read it is tried first: no second read, and a write made since fails on its version."""
    saved = False

    def change(current: Lead) -> Lead | None:
        nonlocal saved
        saved = bool(still_applies(current))
        if not saved:
            return None
        update = {"owner_id": assignment.rep_id, "assignment": assignment, "updated_at": assignment.assigned_at}
        return current.model_copy(update=update)

    try:
        lead = update_existing_lead(deps.store, lead_id, change, as_read=as_read)
    except Exception:
        claims.release()
        raise
    if not saved:
        claims.release()
        return None
    return lead


def _finish_announcement(deps: RoutingDeps, lead: Lead) -> None:
    """Announce the lead's current assignment unless its history says it was: the history entry is written after the
    events are published, so an entry means they went out (a crash in between publishes them twice; lead.assigned's
    subscribers take a repeat)."""
    assignment = lead.assignment
    assert assignment is not None
    for entry in deps.store.history(lead.lead_id):
        if entry.kind == "assigned" and entry.ref == assignment.rep_id and entry.at == assignment.assigned_at:
            return
    actor = assignment.actor or PIPELINE_ACTOR
    _announce(deps, lead, assignment, previous=None, actor=actor, reason="", reassignment=False)


def _announce(
    deps: RoutingDeps,
    lead: Lead,
    assignment: Assignment,
    *,
    previous: str | None,
    actor: str,
    reason: str,
    reassignment: bool,
) -> None:
    at = assignment.assigned_at
    detail = assignment.model_dump(mode="json")
    events: list[DomainEvent] = []
    if not reassignment:
        entry = HistoryEntry(at=at, kind="assigned", ref=assignment.rep_id, detail=detail)
    else:
        ref = f"{previous}->{assignment.rep_id}@{at.isoformat()}"
        detail |= {"from_rep": previous, "to_rep": assignment.rep_id, "actor": actor, "request_reason": reason}
        entry = HistoryEntry(at=at, kind="reassigned", ref=ref, detail=detail)
        events.append(
            LeadReassigned(
                lead_id=lead.lead_id, from_rep=previous, to_rep=assignment.rep_id, actor=actor, reason=reason
            )
        )
    events.append(
        LeadAssigned(
            lead_id=lead.lead_id,
            rep_id=assignment.rep_id,
            rule=assignment.rule,
            pool=assignment.pool,
            ruleset_version=assignment.ruleset_version,
        )
    )
    deps.bus.publish(events)
    deps.store.add_history(lead.lead_id, entry)  # last: an entry means the events went out (_finish_announcement)


def _joined(decided: str | None, requested: str) -> str | None:
    return f"{decided}; {requested}" if decided and requested else decided or requested or None
