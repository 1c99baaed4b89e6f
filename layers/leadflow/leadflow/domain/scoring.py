"""How good a lead is, and whether that makes it marketing-qualified: rule-based scoring for the score step.

Every point is explained by a ScoreLine naming its rule, so a rep (or an auditor) can see why a lead scored what
it did. Behaviour decay over time is later work: `now` only stamps the score for now."""

from __future__ import annotations

import re
from datetime import datetime

from leadflow.models.lead import Lead, Score, ScoreLine, Stage
from leadflow.models.rules import BehaviourRule, FitRule, Scalar, ScoringRuleSet

_LABELS = {
    "firmographics.industry": "industry",
    "firmographics.size_band": "company size",
    "firmographics.employees": "employees",
}
_FLAG_PHRASES = {
    "firmographics.free_mail": ("email is on a free-mail domain", "email is not on a free-mail domain"),
    "firmographics.known": ("company is in the directory", "company is not in the directory"),
    "consent": ("marketing consent given", "no marketing consent"),
}


def score_lead(lead: Lead, rules: ScoringRuleSet, now: datetime) -> Score:
    """Fit from who the lead is, behaviour from the forms it submitted; total = fit + behaviour = sum of lines."""
    lines = [line for rule in rules.fit_rules if (line := _fit_line(lead, rule)) is not None]
    lines += [line for rule in rules.behaviour_rules if (line := _behaviour_line(lead, rule)) is not None]
    fit = sum(line.points for line in lines if line.kind == "fit")
    behaviour = sum(line.points for line in lines if line.kind == "behaviour")
    return Score(
        fit=fit, behaviour=behaviour, total=fit + behaviour, lines=lines, ruleset_version=rules.version, scored_at=now
    )


def qualifies_as_mql(score: Score, rules: ScoringRuleSet) -> bool:
    return score.total >= rules.mql_threshold and (rules.mql_fit is None or score.fit >= rules.mql_fit)


def stage_for(score: Score, rules: ScoringRuleSet) -> Stage:
    """The stage a score alone earns a new lead: MQL or still new."""
    return Stage.MQL if qualifies_as_mql(score, rules) else Stage.NEW


def stage_after_scoring(lead: Lead, score: Score, rules: ScoringRuleSet) -> Stage:
    """Scoring only promotes a new lead to MQL. It never demotes an MQL (decay is a separate decision) and never
    touches a stage that people or later steps set (SAL onwards, disqualified, recycled)."""
    if lead.stage is not Stage.NEW:
        return lead.stage
    return stage_for(score, rules)


def mql_reason(score: Score, rules: ScoringRuleSet) -> str:
    """Why a score qualifies (or not), for the stage-change event and the lead's history."""
    reason = f"score {score.total} {'≥' if score.total >= rules.mql_threshold else '<'} {rules.mql_threshold}"
    if rules.mql_fit is not None:
        reason += f", fit {score.fit} {'≥' if score.fit >= rules.mql_fit else '<'} {rules.mql_fit}"
    return f"{reason} (rules v{rules.version})"


def field_value(lead: Lead, field: str) -> Scalar | None:
    """The value a fit rule tests: a profile field, or `firmographics.<name>` (None before enrichment)."""
    if field.startswith("firmographics."):
        if lead.firmographics is None:
            return None
        value: Scalar | None = getattr(lead.firmographics, field.removeprefix("firmographics."))
        return value
    attribute: Scalar | None = getattr(lead, field)
    return attribute


def _fit_line(lead: Lead, rule: FitRule) -> ScoreLine | None:
    says = _explain(rule, field_value(lead, rule.field))
    if says is None or rule.points == 0:
        return None
    reason = _reason(rule.description, says, rule.points)
    return ScoreLine(rule_id=rule.id, kind="fit", points=rule.points, reason=reason)


def _explain(rule: FitRule, value: Scalar | None) -> str | None:
    """What about the lead met the rule, in words (`title contains "VP"`, `industry is software`); None if unmet.

    The words show the lead's value rather than the rule's pattern or list: the rule id names the rule, and
    a rep reading the line wants to know what about this lead earned the points."""
    label = _LABELS.get(rule.field, rule.field)
    missing = value is None or (isinstance(value, str) and not value.strip())
    if rule.present is not None:
        if rule.present == missing:
            return None
        return f"{label} is given" if rule.present else f"{label} is missing"
    if value is None or missing:
        return None
    if rule.matches is not None:
        found = re.search(rule.matches, str(value), re.IGNORECASE)
        return f'{label} contains "{found.group(0)}"' if found else None
    if rule.gte is not None:
        return f"{label} is {value}, at least {rule.gte}" if isinstance(value, int) and value >= rule.gte else None
    if rule.lte is not None:
        return f"{label} is {value}, at most {rule.lte}" if isinstance(value, int) and value <= rule.lte else None
    operands = [rule.equals] if rule.equals is not None else list(rule.in_ or [])
    if not any(_same(value, operand) for operand in operands):
        return None
    if rule.field in _FLAG_PHRASES:
        yes, no = _FLAG_PHRASES[rule.field]
        return yes if value else no
    return f"{label} is {value}"


def _same(value: Scalar, operand: Scalar) -> bool:
    if isinstance(value, str) and isinstance(operand, str):
        return value.strip().casefold() == operand.casefold()
    # bool and int compare equal in Python (True == 1); the rule's type must match the value's.
    return type(value) is type(operand) and value == operand


def _behaviour_line(lead: Lead, rule: BehaviourRule) -> ScoreLine | None:
    if rule.any_form:
        count, what = lead.submission_count, "any form"
    else:
        count, what = sum(1 for form_id in lead.form_ids if form_id in rule.form_ids), "/".join(rule.form_ids)
    if count == 0:
        return None
    counted = 1 if rule.once else count
    points = counted * rule.points
    capped = rule.max_points is not None and abs(points) > rule.max_points
    if rule.max_points is not None and capped:
        points = rule.max_points if points > 0 else -rule.max_points
    if points == 0:
        return None
    times = "once" if count == 1 else f"{count} times"
    says = f"{what} submitted {times}"
    if rule.once and count > 1:
        says += ", counted once"
    elif count > 1:
        says += f", {rule.points:+d} each"
    if capped:
        says += f", capped at {rule.max_points}"
    return ScoreLine(rule_id=rule.id, kind="behaviour", points=points, reason=_reason(rule.description, says, points))


def _reason(description: str, says: str, points: int) -> str:
    return f"{description}: {says} ({points:+d})" if description else f"{says} ({points:+d})"
