"""Rule sets held as data: parse_ruleset validates every kind an operator may publish before any use. The scoring
rules live in leadflow.models.scoring_rules, the roster, matching, lifecycle, routing, SLA, nurture, report and spend
rules in their own modules; callers may import any of their names from here.

Each kind's model, and each name re-exported here, is imported when it is first asked for: a function loads the
models of the rule sets it reads and no others (a Lambda's cold start pays for every model it builds)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Literal, overload

if TYPE_CHECKING:
    from leadflow.models.lifecycle import LifecycleRules
    from leadflow.models.matching_rules import (
        MERGE_FIELDS,
        MatchingRuleSet,
        MatchThresholds,
        MergeRules,
        MergeStrategy,
    )
    from leadflow.models.nurture import NurtureRuleSet
    from leadflow.models.report_targets import ReportTargets
    from leadflow.models.roster import Rep, RepRoster
    from leadflow.models.routing import RoutingRuleSet
    from leadflow.models.scoring_rules import (
        CONDITIONS,
        CUSTOM_FIELD_PREFIX,
        FIT_FIELDS,
        FORM_ID_PATTERN,
        LEVELS,
        RULE_ID_PATTERN,
        SIZE_BANDS,
        BehaviourRule,
        FieldKind,
        FitRule,
        GradeThresholds,
        LevelThreshold,
        LevelThresholds,
        Points,
        PredictiveSettings,
        Quantity,
        RuleId,
        Scalar,
        ScoringRuleSet,
        Threshold,
        field_kind,
    )
    from leadflow.models.sla import SlaRules
    from leadflow.models.spend import SpendRuleSet

    RuleSet = (
        ScoringRuleSet
        | RepRoster
        | MatchingRuleSet
        | LifecycleRules
        | RoutingRuleSet
        | SlaRules
        | NurtureRuleSet
        | ReportTargets
        | SpendRuleSet
    )

__all__ = [
    "CONDITIONS",
    "CUSTOM_FIELD_PREFIX",
    "FIT_FIELDS",
    "FORM_ID_PATTERN",
    "LEVELS",
    "MERGE_FIELDS",
    "RULESET_KINDS",
    "RULE_ID_PATTERN",
    "SIZE_BANDS",
    "BehaviourRule",
    "FieldKind",
    "FitRule",
    "GradeThresholds",
    "LevelThreshold",
    "LevelThresholds",
    "MatchThresholds",
    "MatchingRuleSet",
    "MergeRules",
    "MergeStrategy",
    "Points",
    "PredictiveSettings",
    "Quantity",
    "Rep",
    "RepRoster",
    "RuleId",
    "Scalar",
    "ScoringRuleSet",
    "Threshold",
    "field_kind",
    "parse_ruleset",
]

#: kind -> (module, model) of every rule set an operator may publish.
RULESET_KINDS: dict[str, tuple[str, str]] = {
    "scoring": ("leadflow.models.scoring_rules", "ScoringRuleSet"),
    "reps": ("leadflow.models.roster", "RepRoster"),
    "matching": ("leadflow.models.matching_rules", "MatchingRuleSet"),
    "lifecycle": ("leadflow.models.lifecycle", "LifecycleRules"),
    "routing": ("leadflow.models.routing", "RoutingRuleSet"),
    "sla": ("leadflow.models.sla", "SlaRules"),
    "nurture": ("leadflow.models.nurture", "NurtureRuleSet"),
    "reports": ("leadflow.models.report_targets", "ReportTargets"),
    "spend": ("leadflow.models.spend", "SpendRuleSet"),
}
_MATCHING = "leadflow.models.matching_rules"
_REEXPORTED: dict[str, str] = {
    **dict.fromkeys(("MERGE_FIELDS", "MatchThresholds", "MatchingRuleSet", "MergeRules", "MergeStrategy"), _MATCHING),
    **dict.fromkeys(("Rep", "RepRoster"), "leadflow.models.roster"),
    **dict.fromkeys(
        (
            "CONDITIONS",
            "CUSTOM_FIELD_PREFIX",
            "FIT_FIELDS",
            "FORM_ID_PATTERN",
            "LEVELS",
            "RULE_ID_PATTERN",
            "SIZE_BANDS",
            "BehaviourRule",
            "FieldKind",
            "FitRule",
            "GradeThresholds",
            "LevelThreshold",
            "LevelThresholds",
            "Points",
            "PredictiveSettings",
            "Quantity",
            "RuleId",
            "Scalar",
            "ScoringRuleSet",
            "Threshold",
            "field_kind",
        ),
        "leadflow.models.scoring_rules",
    ),
}


def __getattr__(name: str) -> Any:
    """A re-exported name, imported from its module on first use."""
    module = _REEXPORTED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


@overload
def parse_ruleset(kind: Literal["scoring"], body: dict[str, Any], *, version: int | None = None) -> ScoringRuleSet: ...
@overload
def parse_ruleset(kind: Literal["reps"], body: dict[str, Any], *, version: int | None = None) -> RepRoster: ...
@overload
def parse_ruleset(
    kind: Literal["matching"], body: dict[str, Any], *, version: int | None = None
) -> MatchingRuleSet: ...
@overload
def parse_ruleset(
    kind: Literal["lifecycle"], body: dict[str, Any], *, version: int | None = None
) -> LifecycleRules: ...
@overload
def parse_ruleset(kind: Literal["routing"], body: dict[str, Any], *, version: int | None = None) -> RoutingRuleSet: ...
@overload
def parse_ruleset(kind: Literal["sla"], body: dict[str, Any], *, version: int | None = None) -> SlaRules: ...
@overload
def parse_ruleset(kind: Literal["nurture"], body: dict[str, Any], *, version: int | None = None) -> NurtureRuleSet: ...
@overload
def parse_ruleset(kind: Literal["reports"], body: dict[str, Any], *, version: int | None = None) -> ReportTargets: ...
@overload
def parse_ruleset(kind: Literal["spend"], body: dict[str, Any], *, version: int | None = None) -> SpendRuleSet: ...
@overload
def parse_ruleset(kind: str, body: dict[str, Any], *, version: int | None = None) -> RuleSet: ...
def parse_ruleset(kind: str, body: dict[str, Any], *, version: int | None = None) -> RuleSet:
    """Validate a config document of `kind`; `version`, when given, is the store's number and overrides the body's.

    Raises ValueError for an unknown kind and pydantic's ValidationError (a ValueError) for an invalid body."""
    found = RULESET_KINDS.get(kind)
    if found is None:
        raise ValueError(f"unknown rule set kind {kind!r}; expected one of: {', '.join(RULESET_KINDS)}")
    model: type[RuleSet] = getattr(importlib.import_module(found[0]), found[1])
    if version is not None:
        body = {**body, "version": version}
    return model.model_validate(body)
