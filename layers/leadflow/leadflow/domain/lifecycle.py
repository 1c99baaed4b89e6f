"""Lead lifecycle decisions for sales and the recycle job: which action may move a lead from which stage, what each
records on the lead, and when a disqualified lead comes back for re-engagement.

Pure: the services store and announce what these functions return. A refusal is a typed exception whose message
names the lead's stage, what was asked and what is allowed, because a rep reads it in a CRM sidebar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from leadflow.models.lead import Disqualification, Lead, Outcome, Stage
from leadflow.models.lifecycle import LifecycleRules, OutcomeRequest, ReasonCode, StageAction, StageRequest

#: Stages a lead is still in play in; customer and disqualified close it (until it is recycled).
OPEN_STAGES: frozenset[Stage] = frozenset(
    {Stage.NEW, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.RECYCLED}
)

#: Sales actions: the stages each applies to and the stage it leads to. A recycled lead comes back to MQL only
#: through scoring; sales may also accept it straight away. Customers and disqualified leads take no sales action
#: (a disqualified lead returns through recycling; a recorded outcome may still correct how a deal ended).
ACTIONS: dict[StageAction, tuple[frozenset[Stage], Stage]] = {
    "accept": (frozenset({Stage.MQL, Stage.RECYCLED}), Stage.SAL),
    "qualify": (frozenset({Stage.SAL}), Stage.SQL),
    "open_opportunity": (frozenset({Stage.SQL}), Stage.OPPORTUNITY),
    "win": (frozenset({Stage.OPPORTUNITY}), Stage.CUSTOMER),
    "disqualify": (OPEN_STAGES, Stage.DISQUALIFIED),
}

_STAGE_ORDER = list(Stage)
RECYCLE_ACTOR = "leadflow"


class LifecycleError(Exception):
    """A lifecycle request leadflow refuses; the message says why in a rep's words."""


class TransitionNotAllowed(LifecycleError):
    """The lead's current stage does not allow the action (a conflict with the lead's state, not a bad request)."""

    def __init__(self, message: str, *, stage: Stage, action: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.stage = stage
        self.action = action
        self.allowed = allowed


class InvalidAction(LifecycleError):
    """The request lacks something the action needs, or names something unknown; `field` says which part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.problem = message


class UnknownReasonCode(InvalidAction):
    def __init__(self, code: str, rules: LifecycleRules) -> None:
        super().__init__("reason_code", f"unknown reason code {code!r}; expected one of: {', '.join(rules.codes)}")


class MissingQualification(InvalidAction):
    def __init__(self, missing: list[str]) -> None:
        field = f"qualification.{missing[0]}"
        super().__init__(field, f"required to qualify the lead; missing or empty: {', '.join(missing)}")
        self.missing = missing


@dataclass(frozen=True)
class Transition:
    """One stage change, as history and the `lead.stage_changed` event record it."""

    action: str
    from_stage: Stage
    to_stage: Stage
    actor: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class Change:
    """The lead after a decision, and the stage change it made (None when only the outcome was corrected)."""

    lead: Lead
    transition: Transition | None


def allowed_actions(stage: Stage) -> list[str]:
    return [action for action, (sources, _) in ACTIONS.items() if stage in sources]


def _stages(stages: frozenset[Stage]) -> str:
    return ", ".join(stage.value for stage in sorted(stages, key=_STAGE_ORDER.index))


def _refuse(lead: Lead, action: StageAction) -> TransitionNotAllowed:
    allowed = allowed_actions(lead.stage)
    sources, target = ACTIONS[action]
    if lead.stage is Stage.DISQUALIFIED and lead.disqualification is not None:
        state = f"disqualified ({lead.disqualification.reason_code})"
    else:
        state = f"in stage {lead.stage.value}"
    message = (
        f"lead {lead.lead_id} is {state}: {action} moves a lead from {_stages(sources)} to {target.value}; "
        f"allowed from {lead.stage.value}: {', '.join(allowed) if allowed else 'no sales action'}"
    )
    return TransitionNotAllowed(message, stage=lead.stage, action=action, allowed=allowed)


def _not_merged(lead: Lead) -> None:
    if lead.merged_into is not None:
        message = f"lead {lead.lead_id} was merged into {lead.merged_into}; act on {lead.merged_into}"
        raise TransitionNotAllowed(message, stage=lead.stage, action="any", allowed=[])


def reason_for(rules: LifecycleRules, code: str | None) -> ReasonCode:
    if code is None:
        raise InvalidAction("reason_code", f"required; expected one of: {', '.join(rules.codes)}")
    reason = rules.reason(code)
    if reason is None:
        raise UnknownReasonCode(code, rules)
    return reason


def qualification_answers(request: StageRequest, rules: LifecycleRules) -> dict[str, str]:
    """The request's answers, trimmed; every configured field must have a non-empty one."""
    answers = {name: value.strip() for name, value in request.qualification.items()}
    missing = [name for name in rules.qualification_fields if not answers.get(name)]
    if missing:
        raise MissingQualification(missing)
    return answers


def disqualification(
    reason: ReasonCode, *, note: str | None, actor: str, at: datetime
) -> tuple[Disqualification, dict[str, object]]:
    """The disqualification record and the due fields that schedule its recycling (none for a reason that never
    recycles). Setting the due fields also replaces any decay entry the lead had: one due entry per lead."""
    recycle_at = at + timedelta(days=reason.recycle_after_days) if reason.recycle_after_days is not None else None
    record = Disqualification(reason_code=reason.code, note=note, actor=actor, at=at, recycle_at=recycle_at)
    due: dict[str, object] = {"due_at": recycle_at, "due_job": "recycle" if recycle_at is not None else None}
    return record, due


def _with_note(reason: str, note: str | None) -> str:
    return f"{reason}; note: {note}" if note else reason


def _disqualified_reason(prefix: str, reason: ReasonCode, record: Disqualification) -> str:
    when = f"to be recycled on {record.recycle_at.date().isoformat()}" if record.recycle_at else "never recycled"
    return f"{prefix}: {reason.label} ({reason.code}), {when}"


def _already_done(lead: Lead, request: StageRequest, target: Stage, answers: dict[str, str]) -> bool:
    """Whether the lead already shows this request's result: a retried request, answered without a second change."""
    if lead.stage is not target:
        return False
    if request.action == "disqualify":
        done = lead.disqualification
        asked = (request.reason_code, request.note, request.actor)
        return done is not None and (done.reason_code, done.note, done.actor) == asked
    if request.action == "qualify":
        return lead.qualification == answers
    return True


def apply_action(lead: Lead, request: StageRequest, rules: LifecycleRules, now: datetime) -> Change | None:
    """The lead after a sales action, or None when it already shows the action's result (a retried request).

    Raises TransitionNotAllowed when the lead's stage does not allow the action (checked first: no answer in the
    body would help) and InvalidAction for a request the action cannot use (an unknown reason code, a missing
    qualification answer)."""
    _not_merged(lead)
    sources, target = ACTIONS[request.action]
    if lead.stage not in sources and lead.stage is not target:
        raise _refuse(lead, request.action)
    answers = qualification_answers(request, rules) if request.action == "qualify" else {}
    reason = reason_for(rules, request.reason_code) if request.action == "disqualify" else None
    if _already_done(lead, request, target, answers):
        return None
    if lead.stage not in sources:
        raise _refuse(lead, request.action)
    # Leaving new/mql/recycled ends any decay entry; only a disqualification schedules something (its recycling).
    update: dict[str, object] = {
        "stage": target,
        "stage_changed_at": now,
        "updated_at": now,
        "reengage": False,
        "due_at": None,
        "due_job": None,
    }
    if request.action == "qualify":
        update["qualification"] = answers
        text = f"qualified: {', '.join(rules.qualification_fields)} answered"
    elif reason is not None:
        record, due = disqualification(reason, note=request.note, actor=request.actor, at=now)
        update |= {"disqualification": record, **due}
        text = _disqualified_reason("disqualified", reason, record)
    else:
        text = {"accept": "accepted by sales", "open_opportunity": "opportunity opened", "win": "deal won"}[
            request.action
        ]
    transition = Transition(request.action, lead.stage, target, request.actor, _with_note(text, request.note), now)
    return Change(lead=lead.model_copy(update=update), transition=transition)


def recycle(lead: Lead, now: datetime) -> Change | None:
    """Re-open a disqualified lead whose recycle date has come: stage recycled, flagged for re-engagement, nothing
    due (scoring schedules decay from here). None when there is nothing to do: not yet due, a reason that never
    recycles, or a lead no longer disqualified (re-qualified or won meanwhile) — so running twice is harmless."""
    record = lead.disqualification
    if lead.stage is not Stage.DISQUALIFIED or record is None or record.recycle_at is None or record.recycle_at > now:
        return None
    days = (record.recycle_at - record.at).days
    transition = Transition(
        action="recycle",
        from_stage=Stage.DISQUALIFIED,
        to_stage=Stage.RECYCLED,
        actor=RECYCLE_ACTOR,
        reason=f"recycled {days} days after disqualification ({record.reason_code})",
        at=now,
    )
    update = {
        "stage": Stage.RECYCLED,
        "stage_changed_at": now,
        "updated_at": now,
        "reengage": True,
        "due_at": None,
        "due_job": None,
    }
    return Change(lead=lead.model_copy(update=update), transition=transition)


def repair_recycle_due(lead: Lead) -> Lead | None:
    """A lead the recycle job found due but `recycle` left alone: its recycle entry must point at its recycle date
    (or go), else the job would find it again on every run. None when the entry is right (the index lagged) or was
    already replaced by another job's."""
    if lead.due_job != "recycle":
        return None
    record = lead.disqualification
    expected = record.recycle_at if lead.stage is Stage.DISQUALIFIED and record is not None else None
    if lead.due_at == expected:
        return None
    return lead.model_copy(update={"due_at": expected, "due_job": "recycle" if expected is not None else None})


def _outcome(request: OutcomeRequest, now: datetime) -> Outcome:
    if request.amount is not None and request.currency is None:
        raise InvalidAction("currency", "required with amount: an ISO 4217 code such as EUR")
    closed_at = request.closed_at or now
    if closed_at > now:
        raise InvalidAction("closed_at", f"{closed_at.isoformat()} is in the future")
    return Outcome(
        result=request.result,
        amount=request.amount,
        currency=request.currency,
        closed_at=closed_at,
        actor=request.actor,
    )


def _same_outcome(lead: Lead, outcome: Outcome, request: OutcomeRequest) -> bool:
    """A retried request: the stored outcome is this one (closed_at compared only when the request gave it, since
    a retry without it would stamp a new one)."""
    stored = lead.outcome
    if stored is None:
        return False
    compared = outcome if request.closed_at is not None else outcome.model_copy(update={"closed_at": stored.closed_at})
    if stored != compared:
        return False
    if request.result == "won":
        return lead.stage is Stage.CUSTOMER
    return (
        lead.stage is Stage.DISQUALIFIED
        and lead.disqualification is not None
        and (lead.disqualification.reason_code, lead.disqualification.note) == (request.reason_code, request.note)
    )


def record_outcome(lead: Lead, request: OutcomeRequest, rules: LifecycleRules, now: datetime) -> Change | None:
    """The lead with how its deal ended, or None when it already shows exactly this outcome (a retried request).

    `won` makes the lead a customer from whatever stage it is in; `lost` disqualifies it with the reason code, so
    the reason's recycle delay applies (counted from `closed_at`). The latest outcome is the truth: a later one
    replaces an earlier one, moving a customer back to disqualified or a lost lead to customer."""
    _not_merged(lead)
    outcome = _outcome(request, now)
    if request.result == "won" and request.reason_code is not None:
        raise InvalidAction("reason_code", "applies to lost outcomes only")
    reason = reason_for(rules, request.reason_code) if request.result == "lost" else None
    if _same_outcome(lead, outcome, request):
        return None
    target = Stage.CUSTOMER if reason is None else Stage.DISQUALIFIED
    update: dict[str, object] = {
        "outcome": outcome,
        "updated_at": now,
        "reengage": False,
        "due_at": None,
        "due_job": None,
    }
    if reason is None:
        amount = f" ({outcome.amount:g} {outcome.currency})" if outcome.amount is not None else ""
        text = f"deal won{amount}"
    else:
        record, due = disqualification(reason, note=request.note, actor=request.actor, at=outcome.closed_at)
        update |= {"disqualification": record, **due}
        text = _disqualified_reason("deal lost", reason, record)
    if lead.stage is target:
        return Change(lead=lead.model_copy(update=update), transition=None)
    update |= {"stage": target, "stage_changed_at": now}
    transition = Transition(request.result, lead.stage, target, request.actor, _with_note(text, request.note), now)
    return Change(lead=lead.model_copy(update=update), transition=transition)
