"""Rule sets as data: what the config store accepts, and errors that say which rule is wrong."""

from __future__ import annotations

from typing import Any

import pytest
from leadflow.models.rules import RepRoster, ScoringRuleSet, parse_ruleset
from pydantic import ValidationError


def scoring(*fit_rules: dict[str, Any], behaviour_rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"mql_threshold": 50, "fit_rules": list(fit_rules), "behaviour_rules": behaviour_rules or []}


def test_default_scoring_config_is_valid(default_scoring: ScoringRuleSet) -> None:
    assert default_scoring.fit_rules
    assert default_scoring.behaviour_rules
    assert default_scoring.mql_fit is not None


def test_default_rep_roster_is_valid_and_has_an_inactive_rep(default_reps: RepRoster) -> None:
    roster = default_reps

    assert len(roster.reps) == 4
    assert [rep.rep_id for rep in roster.reps if not rep.active] == ["priya-raman"]


def test_fit_rule_on_an_unknown_field_is_refused_naming_the_rule() -> None:
    body = scoring({"id": "senior-title", "field": "job_title", "matches": "vp", "points": 30})

    with pytest.raises(ValidationError, match=r"fit rule 'senior-title': field: unknown field 'job_title'"):
        parse_ruleset("scoring", body)


def test_fit_rule_with_a_regex_that_does_not_compile_is_refused_naming_the_rule() -> None:
    body = scoring({"id": "senior-title", "field": "title", "matches": "(vp|chief", "points": 30})

    with pytest.raises(ValidationError, match=r"fit rule 'senior-title': 'matches' is not a valid regular expression"):
        parse_ruleset("scoring", body)


def test_a_rule_id_used_twice_is_refused_naming_the_id() -> None:
    body = scoring(
        {"id": "demo", "field": "phone", "present": True, "points": 5},
        behaviour_rules=[{"id": "demo", "form_ids": ["demo-request"], "points": 40}],
    )

    with pytest.raises(ValidationError, match=r"rule id 'demo' is used by more than one rule"):
        parse_ruleset("scoring", body)


def test_fit_rule_without_a_condition_is_refused() -> None:
    body = scoring({"id": "phone-given", "field": "phone", "points": 5})

    with pytest.raises(ValidationError, match=r"fit rule 'phone-given': needs exactly one condition"):
        parse_ruleset("scoring", body)


def test_fit_rule_with_two_conditions_is_refused() -> None:
    body = scoring({"id": "big", "field": "firmographics.employees", "gte": 100, "lte": 500, "points": 5})

    with pytest.raises(ValidationError, match=r"fit rule 'big': needs exactly one condition .* found gte, lte"):
        parse_ruleset("scoring", body)


def test_a_numeric_condition_on_a_text_field_is_refused() -> None:
    body = scoring({"id": "senior-title", "field": "title", "gte": 3, "points": 30})

    with pytest.raises(ValidationError, match=r"fit rule 'senior-title': condition 'gte' does not apply to text"):
        parse_ruleset("scoring", body)


def test_a_size_band_that_does_not_exist_is_refused() -> None:
    body = scoring({"id": "midmarket", "field": "firmographics.size_band", "in": ["200-1000"], "points": 15})

    with pytest.raises(ValidationError, match=r"fit rule 'midmarket': '200-1000' is not a size band"):
        parse_ruleset("scoring", body)


def test_a_misspelt_key_in_a_rule_is_refused_naming_the_rule() -> None:
    body = scoring(behaviour_rules=[{"id": "ebook", "form_ids": ["ebook-download"], "points": 10, "max_point": 30}])

    with pytest.raises(ValidationError, match=r"behaviour rule 'ebook': max_point: Extra inputs are not permitted"):
        parse_ruleset("scoring", body)


def test_behaviour_rule_without_forms_or_any_form_is_refused() -> None:
    body = scoring(behaviour_rules=[{"id": "ebook", "points": 10}])

    with pytest.raises(ValidationError, match=r"behaviour rule 'ebook': give either a non-empty 'form_ids'"):
        parse_ruleset("scoring", body)


def test_a_negative_cap_is_refused() -> None:
    body = scoring(behaviour_rules=[{"id": "ebook", "form_ids": ["ebook-download"], "points": 10, "max_points": -5}])

    with pytest.raises(ValidationError, match=r"behaviour rule 'ebook': 'max_points' caps .* must be 0 or more"):
        parse_ruleset("scoring", body)


def test_roster_with_a_rep_id_twice_is_refused_naming_the_rep() -> None:
    rep = {"rep_id": "dana-whitfield", "name": "Dana Whitfield", "email": "dana@example.com"}

    with pytest.raises(ValidationError, match=r"rep id 'dana-whitfield' appears more than once"):
        parse_ruleset("reps", {"reps": [rep, rep]})


def test_roster_without_reps_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"reps"):
        parse_ruleset("reps", {"reps": []})


def test_rep_with_an_invalid_email_is_refused_naming_the_rep() -> None:
    body = {"reps": [{"rep_id": "dana-whitfield", "name": "Dana Whitfield", "email": "dana at example.com"}]}

    with pytest.raises(ValidationError, match=r"rep 'dana-whitfield': email: not a valid email address"):
        parse_ruleset("reps", body)


def test_an_unknown_rule_set_kind_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown rule set kind 'routing'"):
        parse_ruleset("routing", {})


def test_the_version_given_by_the_config_store_overrides_the_body() -> None:
    rules = parse_ruleset("scoring", {**scoring(), "version": 3}, version=7)

    assert rules.version == 7
