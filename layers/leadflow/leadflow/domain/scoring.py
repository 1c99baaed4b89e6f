"""How good a lead is and whether that makes it marketing-qualified: fit x engagement, with decay.

Fit (who the lead is) comes from fit rules on profile and firmographic fields and gives a grade A-D. Engagement (what
the lead did) comes from behaviour rules on its activity: every matching event earns points that halve every
`half_life_days`, so the engagement score is a function of time, computed from the events' times whenever it is
read. Engagement gives a level 1-4; the grade and level make a cell (B2) and the rule set lists the MQL cells.

Every point is explained: a ScoreLine per rule, and per event a Contribution (rule, event, time, points earned).
Because decay is known in advance, so is the moment a score stops qualifying: `next_change_at`, which the scorer
files in the due index for the decay job."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from leadflow.domain.identity import email_domain
from leadflow.domain.titles import department, seniority
from leadflow.models.lead import Activity, Contribution, Lead, Prediction, Score, ScoreLine, Stage
from leadflow.models.rules import CUSTOM_FIELD_PREFIX, LEVELS, BehaviourRule, FitRule, Scalar, ScoringRuleSet

_LABELS = {
    "firmographics.industry": "industry",
    "firmographics.size_band": "company size",
    "firmographics.employees": "employees",
    "firmographics.country": "company country",
    "email_domain": "email domain",
}
_FLAG_PHRASES = {
    "firmographics.free_mail": ("email is on a free-mail domain", "email is not on a free-mail domain"),
    "firmographics.known": ("company is in the directory", "company is not in the directory"),
    "consent": ("marketing consent given", "no marketing consent"),
}
#: How far ahead the scorer looks for the moment decay changes the MQL decision; beyond it, points are negligible.
HORIZON = timedelta(days=730)
_PRECISION = timedelta(minutes=1)
_MAX_SAMPLES = 2000
#: Stages the score decides: promoted to MQL when it qualifies, an MQL demoted to new when it no longer does.
SCORED_STAGES = frozenset({Stage.NEW, Stage.RECYCLED, Stage.MQL})


def score_lead(lead: Lead, rules: ScoringRuleSet, now: datetime, prediction: Prediction | None = None) -> Score:
    """The lead's score at `now`: fit lines, engagement lines (decayed), grade, level, whether it qualifies, and
    when decay alone will change that."""
    fit_lines = [line for rule in rules.fit_rules if (line := _fit_line(lead, rule)) is not None]
    fit = sum(int(line.points) for line in fit_lines)
    contributions = contributions_for(lead.activity, rules.behaviour_rules)
    return score_at(fit, fit_lines, contributions, rules, now, prediction=prediction)


def score_at(
    fit: int,
    fit_lines: list[ScoreLine],
    contributions: list[Contribution],
    rules: ScoringRuleSet,
    now: datetime,
    *,
    prediction: Prediction | None = None,
) -> Score:
    """A score from its parts at `now`: what GET /v1/leads/{id}/score uses to explain a stored score at read time."""
    behaviour = _Behaviour.of(contributions, rules.behaviour_rules)
    engagement = behaviour.engagement(now)
    qualifies = _qualifies(rules, fit, engagement, prediction)
    return Score(
        fit=fit,
        engagement=round(engagement, 2),
        total=round(fit + engagement, 2),
        grade=rules.grades.grade(fit),
        level=rules.engagement_levels.level(engagement),
        lines=[*fit_lines, *behaviour.lines(now, contributions)],
        contributions=contributions,
        qualifies=qualifies,
        next_change_at=_next_change(behaviour, rules, fit, prediction, qualifies=qualifies, now=now),
        predictive=prediction,
        ruleset_version=rules.version,
        scored_at=now,
    )


def stage_after_scoring(lead: Lead, score: Score) -> Stage:
    """A new or recycled lead whose score qualifies becomes an MQL; an MQL whose score no longer qualifies (its
    engagement decayed, or an unsubscribe took points away) goes back to new. Any stage a person or a later step
    set (SAL onwards, disqualified) is left alone."""
    if lead.stage in (Stage.NEW, Stage.RECYCLED) and score.qualifies:
        return Stage.MQL
    if lead.stage is Stage.MQL and not score.qualifies:
        return Stage.NEW
    return lead.stage


def mql_reason(score: Score, rules: ScoringRuleSet) -> str:
    """Why a score qualifies (or not), for the stage-change event and the lead's history."""
    verdict = "an MQL cell" if score.cell in rules.mql_cells else "not an MQL cell"
    reason = f"grade {score.cell} (fit {score.fit}, engagement {score.engagement:g}) is {verdict}"
    if score.predictive is not None and rules.predictive.mql_probability is not None:
        reason += f"; predicted conversion {score.predictive.probability:.0%}"
    return f"{reason} (rules v{rules.version})"


def contributions_for(activity: Sequence[Activity], rules: Sequence[BehaviourRule]) -> list[Contribution]:
    """Each event's points under each behaviour rule it matches, oldest first (`once` rules: the first event only)."""
    contributions: list[Contribution] = []
    for rule in rules:
        matching = [event for event in activity if event_matches(rule, event)]
        if rule.once:
            matching = matching[:1]
        contributions += [
            Contribution(
                rule_id=rule.id,
                event_id=event.event_id,
                at=event.occurred_at,
                points=rule.points,
                half_life_days=rule.half_life_days,
            )
            for event in matching
        ]
    return contributions


def event_matches(rule: BehaviourRule, event: Activity) -> bool:
    if event.type != rule.event:
        return False
    if rule.form_ids is not None and event.properties.get("form_id") not in rule.form_ids:
        return False
    if rule.url_matches is not None:
        url = event.properties.get("url")
        if not isinstance(url, str) or not re.search(rule.url_matches, url, re.IGNORECASE):
            return False
    return all(_same_property(event.properties.get(name), wanted) for name, wanted in rule.properties.items())


def _same_property(value: object, wanted: object) -> bool:
    if isinstance(value, str) and isinstance(wanted, str):
        return value.strip().casefold() == wanted.casefold()
    return type(value) is type(wanted) and value == wanted


def decayed(points: float, at: datetime, half_life_days: float | None, now: datetime) -> float:
    """`points` earned at `at`, as they count at `now`. An event stamped after `now` (a sender's clock ahead of ours)
    counts in full rather than more than in full."""
    if half_life_days is None:
        return points
    age_days = max((now - at).total_seconds(), 0.0) / 86400
    return points * math.pow(0.5, age_days / half_life_days)


@dataclass(frozen=True)
class _Term:
    rule_id: str
    points: float
    at: datetime
    half_life_days: float | None


@dataclass(frozen=True)
class _Behaviour:
    """The behaviour part of a score as a function of time."""

    terms: list[_Term]
    rules: Sequence[BehaviourRule]

    @classmethod
    def of(cls, contributions: Sequence[Contribution], rules: Sequence[BehaviourRule]) -> _Behaviour:
        terms = [_Term(item.rule_id, item.points, item.at, item.half_life_days) for item in contributions]
        return cls(terms, rules)

    def condensed(self, now: datetime) -> _Behaviour:
        """The same function from `now` on, with one term per rule and half-life: every event's points decay by the
        same factor from now on, so their sum at now is all the future needs. Scanning for the next threshold
        crossing then costs a few terms per probe instead of one per event."""
        sums: dict[tuple[str, float | None], float] = {}
        for term in self.terms:
            key = (term.rule_id, term.half_life_days)
            sums[key] = sums.get(key, 0.0) + decayed(term.points, term.at, term.half_life_days, now)
        return _Behaviour(
            [_Term(rule_id, points, now, half_life) for (rule_id, half_life), points in sums.items()], self.rules
        )

    @cached_property
    def _by_rule(self) -> dict[str, list[_Term]]:
        grouped: dict[str, list[_Term]] = {}
        for term in self.terms:
            grouped.setdefault(term.rule_id, []).append(term)
        return grouped

    @property
    def never_rises(self) -> bool:
        """True when no term can grow over time (negative points that decay would): engagement then only falls."""
        return all(term.points >= 0 or term.half_life_days is None for term in self.terms)

    def rule_points(self, rule: BehaviourRule, now: datetime) -> tuple[float, bool]:
        """The rule's points at `now`, capped, and whether the cap applied."""
        raw = sum(decayed(term.points, term.at, term.half_life_days, now) for term in self._by_rule.get(rule.id, ()))
        if rule.max_points is not None and abs(raw) > rule.max_points:
            return math.copysign(rule.max_points, raw), True
        return raw, False

    def engagement(self, now: datetime) -> float:
        return sum(self.rule_points(rule, now)[0] for rule in self.rules)

    def lines(self, now: datetime, contributions: Sequence[Contribution]) -> list[ScoreLine]:
        lines = []
        for rule in self.rules:
            mine = [item for item in contributions if item.rule_id == rule.id]
            if not mine:
                continue
            points, capped = self.rule_points(rule, now)
            lines.append(
                ScoreLine(
                    rule_id=rule.id,
                    kind="behaviour",
                    points=round(points, 2),
                    reason=_behaviour_reason(rule, mine, points, capped),
                    event_ids=[item.event_id for item in mine],
                )
            )
        return lines

    @property
    def decays(self) -> bool:
        return any(term.half_life_days is not None for term in self.terms)

    @property
    def shortest_half_life(self) -> float:
        return min(term.half_life_days for term in self.terms if term.half_life_days is not None)


def _qualifies(rules: ScoringRuleSet, fit: int, engagement: float, prediction: Prediction | None) -> bool:
    cell = f"{rules.grades.grade(fit)}{rules.engagement_levels.level(engagement)}"
    if cell in rules.mql_cells:
        return True
    threshold = rules.predictive.mql_probability
    return prediction is not None and threshold is not None and prediction.probability >= threshold


def _next_change(
    behaviour: _Behaviour,
    rules: ScoringRuleSet,
    fit: int,
    prediction: Prediction | None,
    *,
    qualifies: bool,
    now: datetime,
) -> datetime | None:
    """The first moment after `now` at which decay alone flips `qualifies`, to the minute; None within HORIZON.

    Rules decay at different rates and may carry negative points, so engagement need not fall monotonically: the
    search samples the horizon at a quarter of the shortest half-life (a level cannot be crossed and crossed back
    within that without a sample seeing it in practice), then bisects the first interval where the answer flips."""
    if not behaviour.decays:
        return None
    grade = rules.grades.grade(fit)
    answers = {f"{grade}{level}" in rules.mql_cells for level in LEVELS}
    threshold = rules.predictive.mql_probability
    if len(answers) == 1 or (prediction is not None and threshold is not None and prediction.probability >= threshold):
        return None  # no engagement level changes the answer for this grade (or the prediction decides)
    behaviour = behaviour.condensed(now)

    def flipped(at: datetime) -> bool:
        return _qualifies(rules, fit, behaviour.engagement(at), prediction) != qualifies

    if behaviour.never_rises:
        # Engagement only falls, so the answer flips at most once: bisect the whole horizon (a few dozen probes).
        return _bisect(flipped, now, now + HORIZON) if flipped(now + HORIZON) else None
    step = max(min(timedelta(days=behaviour.shortest_half_life / 4), HORIZON / 8), HORIZON / _MAX_SAMPLES)
    previous = now
    while previous < now + HORIZON:
        probe = min(previous + step, now + HORIZON)
        if flipped(probe):
            return _bisect(flipped, previous, probe)
        previous = probe
    return None


def _bisect(flipped: Callable[[datetime], bool], low: datetime, high: datetime) -> datetime:
    """The first moment in (low, high] at which `flipped` holds, to the minute, given it holds at `high`."""
    while high - low > _PRECISION:
        middle = low + (high - low) / 2
        low, high = (low, middle) if flipped(middle) else (middle, high)
    return high.replace(microsecond=0) + timedelta(seconds=1)


def _behaviour_reason(rule: BehaviourRule, contributions: list[Contribution], points: float, capped: bool) -> str:
    count = len(contributions)
    what = rule.event.replace("_", " ")
    says = f"{what} once" if count == 1 else f"{what} {count} times, {rule.points:+d} each"
    if rule.once and count == 1:
        says += " (counted once)"
    earned = sum(item.points for item in contributions)
    if rule.half_life_days is not None:
        latest = max(item.at for item in contributions)
        says += f", latest {latest:%Y-%m-%d}; {earned:+d} halving every {rule.half_life_days:g} days"
    if capped:
        says += f", capped at {rule.max_points}"
    return _reason(rule.description, says, points)


def field_value(lead: Lead, field: str) -> Scalar | None:
    """The value a fit rule tests: a profile field, or `firmographics.<name>` (None before enrichment)."""
    if field == "seniority":
        return seniority(lead.title)
    if field == "department":
        return department(lead.title)
    if field == "email_domain":
        return email_domain(lead.email_canonical)
    if field.startswith(CUSTOM_FIELD_PREFIX):
        custom = lead.fields.get(field.removeprefix(CUSTOM_FIELD_PREFIX))
        # Form values arrive as text, numbers or checkboxes; rules compare text, so `25` and `true` match "25", "true".
        return None if custom is None else str(custom).lower() if isinstance(custom, bool) else str(custom)
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
    return _explain_value(rule, label, value)


def _explain_value(rule: FitRule, label: str, value: Scalar) -> str | None:
    """The words for a given value that meets the rule's pattern, bound or list; None if it does not."""
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


def _reason(description: str, says: str, points: float) -> str:
    shown = f"{points:+.1f}".replace(".0", "") if isinstance(points, float) else f"{points:+d}"
    return f"{description}: {says} ({shown})" if description else f"{says} ({shown})"
