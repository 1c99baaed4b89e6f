"""Who gets a qualified lead: the first matching routing rule sends it to its account's owner, a named rep, or a
team pool (round robin, weighted, least loaded); when nobody there can take it, to the fallback queue.

Turns come from atomic counters (the caller's `next_sequence`), so concurrent routing never picks by reading and
writing a shared "last rep"; capacity is claimed through the caller's `claim`, one conditional write per try, so
limits hold under concurrency. Both are callbacks: this module does no I/O. Every decision records the candidates
and who was skipped and why, which is what an assignment must be able to show."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from math import gcd

from leadflow.domain.availability import outside_hours_reason, unavailable_reason
from leadflow.domain.identity import email_domain
from leadflow.models.lead import Assignment, Lead
from leadflow.models.routing import (
    CUSTOM_FIELD_PREFIX,
    ROUTING_FIELDS,
    Condition,
    RoutingRule,
    RoutingRuleSet,
    RoutingTarget,
    Strategy,
    TeamMember,
)
from leadflow.models.rules import Rep, RepRoster

DEFAULT_POOL = "default"

Claim = Callable[[Rep], str | None]  # take one unit of the rep's capacity; None when taken, else why not
Value = str | int | float | bool | None


class NoEligibleRep(Exception):
    """Nobody can take the lead and the routing rules have no fallback queue (the default rules always have one)."""


# --- which rule -------------------------------------------------------------------------------------------------


def routing_value(lead: Lead, name: str) -> Value:
    """The lead fact a routing condition tests (see leadflow.models.routing.ROUTING_FIELDS)."""
    if name.startswith(CUSTOM_FIELD_PREFIX):
        return lead.fields.get(name.removeprefix(CUSTOM_FIELD_PREFIX))
    firmographics = lead.firmographics
    score = lead.score
    facts: dict[str, Callable[[], Value]] = {
        "country": lambda: lead.country or (firmographics.country if firmographics else None),
        "state": lambda: lead.fields.get("state", lead.fields.get("region")),
        "postcode": lambda: lead.fields.get("postcode", lead.fields.get("zip")),
        "industry": lambda: firmographics.industry if firmographics else None,
        "size_band": lambda: firmographics.size_band if firmographics else None,
        "employees": lambda: firmographics.employees if firmographics else None,
        "title": lambda: lead.title,
        "email_domain": lambda: email_domain(lead.email_canonical),
        "grade": lambda: score.grade if score else None,
        "level": lambda: score.level if score else None,
        "cell": lambda: score.cell if score else None,
        "fit": lambda: score.fit if score else None,
        "engagement": lambda: score.engagement if score else None,
        "total": lambda: score.total if score else None,
    }
    assert set(facts) == set(ROUTING_FIELDS)
    return facts[name]()


def _same(a: object, b: object) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().casefold() == b.strip().casefold()
    return a == b


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.strip().isdigit():
        return float(value.strip())
    return None


def _in_range(value: Value, low: object, high: object) -> bool:
    # Numeric when every end and the value are numbers or digit strings (postcodes "10000".."14999"), else as text.
    numbers = [_number(v) for v in (value, low, high) if v is not None]
    if all(number is not None for number in numbers):
        v, lo, hi = _number(value), _number(low), _number(high)
        return (lo is None or lo <= v) and (hi is None or v <= hi)  # type: ignore[operator]
    text = str(value).strip().casefold()
    return (low is None or str(low).casefold() <= text) and (high is None or text <= str(high).casefold())


def condition_holds(condition: Condition, value: Value) -> bool:
    """Whether `value` passes the test; a missing value passes only `present: false`."""
    if condition.present is not None:
        return (value is not None and value != "") == condition.present
    if value is None or value == "":
        return False
    if condition.equals is not None:
        return _same(value, condition.equals)
    if condition.in_ is not None:
        return any(_same(value, option) for option in condition.in_)
    if condition.matches is not None:
        return re.search(condition.matches, str(value), re.IGNORECASE) is not None
    if condition.gte is not None or condition.lte is not None:
        number = _number(value)
        if number is None:
            return False
        return (condition.gte is None or number >= condition.gte) and (condition.lte is None or number <= condition.lte)
    return _in_range(value, condition.from_, condition.to)


def rule_matches(rule: RoutingRule, lead: Lead) -> bool:
    return all(condition_holds(condition, routing_value(lead, name)) for name, condition in rule.when.items())


# --- whose turn -------------------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def weighted_schedule(weights: tuple[int, ...]) -> tuple[int, ...]:
    """Smooth weighted round robin (as nginx deals upstreams): one cycle of member indexes in which each member
    appears weight/gcd times, spread out rather than in runs. Sequence n takes slot (n-1) mod len, so a weighted
    pool's shares are exact over every whole cycle, however many routers draw turns at once."""
    divisor = gcd(*weights)
    reduced = [weight // divisor for weight in weights]
    total = sum(reduced)
    current = [0] * len(reduced)
    schedule: list[int] = []
    for _ in range(total):
        for index, weight in enumerate(reduced):
            current[index] += weight
        best = max(range(len(current)), key=current.__getitem__)  # the first maximum: deterministic
        current[best] -= total
        schedule.append(best)
    return tuple(schedule)


def turn_order(
    members: Sequence[TeamMember], strategy: Strategy, sequence_number: int, loads: Mapping[str, int]
) -> list[str]:
    """Every member once, in the order to try them: whose turn `sequence_number` is first, then who follows."""
    if sequence_number < 1:
        raise ValueError(f"round-robin sequence numbers start at 1; got {sequence_number}")
    rep_ids = [member.rep for member in members]
    if not rep_ids:
        return []
    if strategy == "weighted":
        schedule = weighted_schedule(tuple(member.weight for member in members))
        start = (sequence_number - 1) % len(schedule)
        order: list[int] = []
        for step in range(len(schedule)):
            index = schedule[(start + step) % len(schedule)]
            if index not in order:
                order.append(index)
        return [rep_ids[index] for index in order]
    start = (sequence_number - 1) % len(rep_ids)
    rotated = rep_ids[start:] + rep_ids[:start]
    if strategy == "least_loaded":
        return sorted(rotated, key=lambda rep_id: loads.get(rep_id, 0))  # stable: ties go in turn order
    return rotated


@dataclass
class Selection:
    rep: Rep | None
    candidates: list[str]
    skipped: dict[str, str]
    after_hours: bool = False


def eligible_members(
    members: Sequence[TeamMember], roster: RepRoster, at: datetime, exclude: Collection[str] = ()
) -> tuple[list[TeamMember], dict[str, str], bool]:
    """The members who may take a lead now, those who may not (and why), and whether the eligible ones are outside
    their working hours. Turns rotate over eligible members only, so an absent rep's turns are spread evenly rather
    than all falling to whoever follows them. Reps within working hours are preferred; when none is, everyone
    otherwise available stays eligible (see leadflow.domain.availability for why)."""
    skipped: dict[str, str] = {}
    available: list[tuple[TeamMember, Rep]] = []
    for member in members:
        rep = roster.find(member.rep)
        if member.rep in exclude:
            skipped[member.rep] = "excluded"
        elif rep is None:
            skipped[member.rep] = "not in the roster"
        elif (why := unavailable_reason(rep, at)) is not None:
            skipped[member.rep] = why
        else:
            available.append((member, rep))
    in_hours = [member for member, rep in available if outside_hours_reason(rep, at) is None]
    if not in_hours:
        return [member for member, _ in available], skipped, bool(available)
    for _, rep in available:
        if (why := outside_hours_reason(rep, at)) is not None:
            skipped[rep.rep_id] = why
    return in_hours, skipped, False


def select(
    members: Sequence[TeamMember],
    roster: RepRoster,
    at: datetime,
    claim: Claim,
    order: Callable[[Sequence[TeamMember]], Sequence[str]],
    *,
    exclude: Collection[str] = (),
) -> Selection:
    """The first eligible member, in `order`, whose capacity `claim` takes."""
    eligible, skipped, after_hours = eligible_members(members, roster, at, exclude)
    candidates = [member.rep for member in eligible]
    for rep_id in order(eligible) if eligible else []:
        rep = roster.find(rep_id)
        assert rep is not None  # eligible_members kept only reps in the roster
        why = claim(rep)
        if why is None:
            return Selection(rep, candidates, skipped, after_hours=after_hours)
        skipped[rep_id] = why
    return Selection(None, candidates, skipped)


# --- the decision -----------------------------------------------------------------------------------------------


@dataclass
class RoutingInputs:
    """What a decision reads besides the lead: the rules, the roster, the time, and the caller's counters."""

    routing: RoutingRuleSet
    roster: RepRoster
    at: datetime
    next_sequence: Callable[[str], int]
    claim: Claim
    loads: Callable[[Sequence[str]], Mapping[str, int]] = field(default=lambda rep_ids: {})
    account_owner: str | None = None
    exclude: Collection[str] = ()


def builtin_routing(roster: RepRoster) -> RoutingRuleSet:
    """The routing used before any routing rule set is published: round robin over every rep in roster order, and
    no fallback queue (as leadflow behaved before routing rules existed)."""
    pool = [TeamMember(rep=rep.rep_id) for rep in roster.reps]
    rule = RoutingRule(id=DEFAULT_POOL, assign=RoutingTarget(pool=pool))
    return RoutingRuleSet(version=0, account_owner_first=False, fallback_queue=None, rules=[rule])


def decide(lead: Lead, inputs: RoutingInputs) -> Assignment:
    """The assignment of `lead`: the account owner first (when configured and available), then the first matching
    rule; the fallback queue when no rule matches or nobody its target names can take the lead.

    Raises NoEligibleRep only when that happens and the rules have no fallback queue."""
    skipped: dict[str, str] = {}
    owner_tried = False
    if inputs.routing.account_owner_first and inputs.account_owner:
        owner_tried = True
        found = _to_account_owner(lead, inputs, skipped, rule_id="account_owner")
        if found is not None:
            return found
    for rule in inputs.routing.rules:
        if not rule_matches(rule, lead):
            continue
        target = rule.assign
        if target.account_owner:
            if inputs.account_owner and not owner_tried:
                owner_tried = True
                found = _to_account_owner(lead, inputs, skipped, rule_id=rule.id)
                if found is not None:
                    return found
            continue  # no available owner: the next matching rule decides
        return _to_pool(lead, rule, inputs, skipped)
    return _to_queue(inputs, skipped, [], rule_id="no_rule_matched", why="no routing rule matched")


def _to_account_owner(lead: Lead, inputs: RoutingInputs, skipped: dict[str, str], rule_id: str) -> Assignment | None:
    owner = inputs.account_owner
    assert owner is not None
    selection = select(
        [TeamMember(rep=owner)], inputs.roster, inputs.at, inputs.claim, _as_listed, exclude=inputs.exclude
    )
    skipped.update({rep_id: f"account owner, {why}" for rep_id, why in selection.skipped.items()})
    if selection.rep is None:
        return None
    pick = _Pick(rule_id, f"account:{lead.account_id}", "account_owner", f"owns account {lead.account_id}")
    return _assignment(inputs, selection, pick, skipped)


def _to_pool(lead: Lead, rule: RoutingRule, inputs: RoutingInputs, skipped: dict[str, str]) -> Assignment:
    target = rule.assign
    team = inputs.roster.team(target.team) if target.team else None
    cursor: int | None = None
    if target.rep is not None:
        pool, strategy, members = f"rep:{target.rep}", "named_rep", [TeamMember(rep=target.rep)]
        order: Callable[[Sequence[TeamMember]], Sequence[str]] = _as_listed
    else:
        members = target.pool or (team.members if team else [])
        pool = f"team:{target.team}" if target.team else rule.id
        strategy = target.strategy

        def order(eligible: Sequence[TeamMember]) -> Sequence[str]:
            nonlocal cursor
            cursor = inputs.next_sequence(f"pool#{pool}")
            loads = inputs.loads([m.rep for m in eligible]) if strategy == "least_loaded" else {}
            return turn_order(eligible, strategy, cursor, loads)

    selection = select(members, inputs.roster, inputs.at, inputs.claim, order, exclude=inputs.exclude)
    skipped.update(selection.skipped)
    if selection.rep is None:
        why = f"nobody in {pool} could take it" if members else f"team {target.team!r} is not in the roster"
        return _to_queue(inputs, skipped, selection.candidates, rule_id=rule.id, why=f"rule {rule.id!r}: {why}")
    late = " (nobody was within working hours)" if selection.after_hours else ""
    reason = f"rule {rule.id!r} matched; {strategy} in {pool}{late}"
    return _assignment(
        inputs, selection, _Pick(rule.id, pool, strategy, reason, cursor=cursor, team=target.team), skipped
    )


def _as_listed(members: Sequence[TeamMember]) -> list[str]:
    return [member.rep for member in members]


@dataclass(frozen=True, slots=True)
class _Pick:
    """Which rule sent the lead to which pool, how the rep was picked there, and why, in words."""

    rule: str
    pool: str
    strategy: str
    reason: str
    cursor: int | None = None
    team: str | None = None


def _assignment(inputs: RoutingInputs, selection: Selection, pick: _Pick, skipped: dict[str, str]) -> Assignment:
    rep = selection.rep
    assert rep is not None
    return Assignment(
        rep_id=rep.rep_id,
        rep_name=rep.name,
        rep_email=rep.email,
        rule=pick.rule,
        pool=pick.pool,
        cursor=pick.cursor,
        candidates=selection.candidates,
        skipped=dict(skipped),
        ruleset_version=inputs.roster.version,
        routing_version=inputs.routing.version,
        assigned_at=inputs.at,
        strategy=pick.strategy,
        team=pick.team,
        reason=pick.reason,
    )


def _to_queue(
    inputs: RoutingInputs, skipped: dict[str, str], candidates: list[str], *, rule_id: str, why: str
) -> Assignment:
    queue = inputs.routing.fallback_queue
    if queue is None:
        detail = f"; skipped: {', '.join(f'{rep_id} ({reason})' for rep_id, reason in skipped.items())}"
        raise NoEligibleRep(f"no eligible rep and no fallback queue: {why}{detail if skipped else ''}")
    return Assignment(
        rep_id=queue,
        rep_name=queue,
        rule=rule_id,
        pool=queue,
        candidates=candidates,
        skipped=dict(skipped),
        ruleset_version=inputs.roster.version,
        routing_version=inputs.routing.version,
        assigned_at=inputs.at,
        strategy="fallback_queue",
        reason=f"{why}: fallback queue",
    )
