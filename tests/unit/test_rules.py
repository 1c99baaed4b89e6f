"""Rule sets as data: what the config store accepts, and errors that say which rule is wrong."""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml
from leadflow.models.rules import RepRoster, ScoringRuleSet, parse_ruleset
from pydantic import ValidationError

from tests.unit.conftest import load_config


def scoring(
    *fit_rules: dict[str, Any], behaviour_rules: list[dict[str, Any]] | None = None, **rest: Any
) -> dict[str, Any]:
    """A valid scoring rule set with the given rules; `rest` replaces top-level keys (grades, mql_cells, ...)."""
    body: dict[str, Any] = {
        "grades": {"A": 50, "B": 25, "C": 10},
        "engagement_levels": {"1": 70, "2": 35, "3": 15},
        "mql_cells": ["A1", "A2", "B1"],
        "fit_rules": list(fit_rules),
        "behaviour_rules": behaviour_rules or [],
    }
    return body | rest


def visits(**rule: Any) -> dict[str, Any]:
    """A behaviour rule counting page visits, changed by `rule`."""
    return {"id": "pricing", "event": "page_visit", "points": 15} | rule


# -- the shipped configuration ---------------------------------------------------------------------------------------


def test_default_scoring_config_is_valid(default_scoring: ScoringRuleSet) -> None:
    assert default_scoring.fit_rules
    assert default_scoring.behaviour_rules
    assert default_scoring.grades.A > default_scoring.grades.B > default_scoring.grades.C
    assert default_scoring.engagement_levels.one > default_scoring.engagement_levels.two
    assert set(default_scoring.mql_cells) >= {"A1", "A2", "B1", "B2"}
    rule_ids = [rule.id for rule in default_scoring.fit_rules] + [rule.id for rule in default_scoring.behaviour_rules]
    assert len(rule_ids) == len(set(rule_ids))


def test_default_scoring_config_decays_engagement_but_not_an_unsubscribe(default_scoring: ScoringRuleSet) -> None:
    half_lives = {rule.id: rule.half_life_days for rule in default_scoring.behaviour_rules}

    assert half_lives["unsubscribed"] is None
    assert half_lives["demo-request"] == 30
    assert half_lives["pricing-page"] == 14


def test_default_rep_roster_is_valid_and_has_an_inactive_rep(default_reps: RepRoster) -> None:
    roster = default_reps

    assert len(roster.reps) == 4
    assert [rep.rep_id for rep in roster.reps if not rep.active] == ["priya-raman"]


# -- grades, levels, cells -------------------------------------------------------------------------------------------


def test_engagement_levels_written_in_yaml_with_integer_keys_are_accepted() -> None:
    levels = yaml.safe_load("engagement_levels:\n  1: 70\n  2: 35\n  3: 15\n")["engagement_levels"]
    assert list(levels) == [1, 2, 3]  # what YAML gives: integer keys

    rules = parse_ruleset("scoring", scoring(engagement_levels=levels))

    assert (rules.engagement_levels.one, rules.engagement_levels.two, rules.engagement_levels.three) == (70, 35, 15)
    assert rules == parse_ruleset("scoring", scoring(engagement_levels={"1": 70, "2": 35, "3": 15}))


def test_the_default_config_file_uses_integer_level_keys_and_loads() -> None:
    body = load_config("scoring.yaml")

    assert 1 in body["engagement_levels"]
    assert parse_ruleset("scoring", body).engagement_levels.level(40) == 2


@pytest.mark.parametrize(
    "grades", [{"A": 25, "B": 25, "C": 10}, {"A": 20, "B": 25, "C": 10}, {"A": 50, "B": 5, "C": 10}]
)
def test_overlapping_grade_thresholds_are_refused(grades: dict[str, int]) -> None:
    with pytest.raises(ValidationError, match=r"grades\n.*grade thresholds overlap: need A > B > C"):
        parse_ruleset("scoring", scoring(grades=grades))


@pytest.mark.parametrize("levels", [{"1": 35, "2": 35, "3": 15}, {"1": 70, "2": 10, "3": 15}])
def test_overlapping_engagement_levels_are_refused(levels: dict[str, int]) -> None:
    with pytest.raises(ValidationError, match=r"engagement_levels\n.*engagement level thresholds overlap"):
        parse_ruleset("scoring", scoring(engagement_levels=levels))


def test_an_engagement_level_left_out_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"engagement_levels\.3\n.*Field required"):
        parse_ruleset("scoring", scoring(engagement_levels={"1": 70, "2": 35}))


@pytest.mark.parametrize("cell", ["E5", "A0", "A5", "a1", "B 2"])
def test_an_mql_cell_outside_the_grade_matrix_is_refused_naming_it(cell: str) -> None:
    with pytest.raises(ValidationError, match=rf"'{cell}' is not a cell of the grade matrix"):
        parse_ruleset("scoring", scoring(mql_cells=["A1", cell]))


def test_a_rule_set_without_mql_cells_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"mql_cells"):
        parse_ruleset("scoring", scoring(mql_cells=[]))


@pytest.mark.parametrize("probability", [0, 1, 1.5, -0.2])
def test_a_predictive_mql_probability_outside_0_to_1_is_refused(probability: float) -> None:
    with pytest.raises(ValidationError, match=r"predictive\.mql_probability"):
        parse_ruleset("scoring", scoring(predictive={"mql_probability": probability}))


# -- fit rules -------------------------------------------------------------------------------------------------------


def test_fit_rule_on_an_unknown_field_is_refused_naming_the_rule() -> None:
    body = scoring({"id": "senior-title", "field": "job_title", "matches": "vp", "points": 30})

    with pytest.raises(ValidationError, match=r"fit rule 'senior-title': field: unknown field 'job_title'"):
        parse_ruleset("scoring", body)


@pytest.mark.parametrize("field", ["seniority", "department", "email_domain", "firmographics.country", "fields.crm"])
def test_fit_rules_on_derived_firmographic_and_custom_fields_are_accepted(field: str) -> None:
    rules = parse_ruleset("scoring", scoring({"id": "rule", "field": field, "in": ["x", "y"], "points": 5}))

    assert rules.fit_rules[0].field == field


def test_a_custom_field_rule_needs_the_fields_name() -> None:
    body = scoring({"id": "crm", "field": "fields.", "equals": "hubspot", "points": 5})

    with pytest.raises(ValidationError, match=r"fit rule 'crm': field: unknown field 'fields\.'"):
        parse_ruleset("scoring", body)


def test_fit_rule_with_a_regex_that_does_not_compile_is_refused_naming_the_rule() -> None:
    body = scoring({"id": "senior-title", "field": "title", "matches": "(vp|chief", "points": 30})

    with pytest.raises(ValidationError, match=r"fit rule 'senior-title': 'matches' is not a valid regular expression"):
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


def test_a_flag_compared_with_text_is_refused() -> None:
    body = scoring({"id": "free-mail", "field": "firmographics.free_mail", "equals": "yes", "points": -20})

    with pytest.raises(
        ValidationError, match=r"fit rule 'free-mail': field 'firmographics.free_mail' is true or false"
    ):
        parse_ruleset("scoring", body)


def test_a_size_band_that_does_not_exist_is_refused() -> None:
    body = scoring({"id": "midmarket", "field": "firmographics.size_band", "in": ["200-1000"], "points": 15})

    with pytest.raises(ValidationError, match=r"fit rule 'midmarket': '200-1000' is not a size band"):
        parse_ruleset("scoring", body)


# -- behaviour rules -------------------------------------------------------------------------------------------------


def test_a_misspelt_key_in_a_rule_is_refused_naming_the_rule() -> None:
    body = scoring(behaviour_rules=[visits(id="ebook", max_point=30)])

    with pytest.raises(ValidationError, match=r"behaviour rule 'ebook': max_point: Extra inputs are not permitted"):
        parse_ruleset("scoring", body)


def test_a_behaviour_rule_without_an_event_is_refused_naming_the_rule() -> None:
    body = scoring(behaviour_rules=[{"id": "ebook", "points": 10}])

    with pytest.raises(ValidationError, match=r"behaviour rule 'ebook': event: Field required"):
        parse_ruleset("scoring", body)


def test_an_unknown_event_type_is_refused_naming_the_rule_and_the_known_types() -> None:
    body = scoring(behaviour_rules=[visits(event="page_view")])

    with pytest.raises(ValidationError, match=r"behaviour rule 'pricing': event: Input should be .*'page_visit'"):
        parse_ruleset("scoring", body)


def test_a_url_pattern_that_does_not_compile_is_refused_naming_the_rule() -> None:
    body = scoring(behaviour_rules=[visits(url_matches="/(pricing|plans")])

    with pytest.raises(
        ValidationError, match=r"behaviour rule 'pricing': 'url_matches' is not a valid regular expression"
    ):
        parse_ruleset("scoring", body)


@pytest.mark.parametrize("half_life", [0, -7, -0.5])
def test_a_half_life_of_zero_or_less_is_refused_naming_the_rule(half_life: float) -> None:
    body = scoring(behaviour_rules=[visits(half_life_days=half_life)])

    with pytest.raises(ValidationError, match=r"behaviour rule 'pricing': 'half_life_days' must be more than 0"):
        parse_ruleset("scoring", body)


@pytest.mark.parametrize("half_life", [math.nan, math.inf])
def test_a_half_life_that_is_not_a_finite_number_is_refused_naming_the_rule(half_life: float) -> None:
    # JSON bodies (PUT /v1/config/scoring) and YAML (.nan, .inf) can both carry these. NaN slips past "<= 0" and
    # makes every engagement NaN; infinity makes scoring raise OverflowError (see test_score_decay).
    body = scoring(behaviour_rules=[visits(half_life_days=half_life)])

    with pytest.raises(ValidationError, match=r"behaviour rule 'pricing': .*half_life_days"):
        parse_ruleset("scoring", body)


def test_form_ids_on_an_event_other_than_a_form_submission_are_refused() -> None:
    body = scoring(behaviour_rules=[visits(form_ids=["demo-request"])])

    with pytest.raises(
        ValidationError, match=r"behaviour rule 'pricing': 'form_ids' applies to event 'form_submitted'"
    ):
        parse_ruleset("scoring", body)


def test_an_empty_form_list_is_refused() -> None:
    body = scoring(behaviour_rules=[{"id": "demo", "event": "form_submitted", "form_ids": [], "points": 40}])

    with pytest.raises(ValidationError, match=r"behaviour rule 'demo': 'form_ids' needs at least one form id"):
        parse_ruleset("scoring", body)


def test_a_form_id_no_form_can_have_is_refused() -> None:
    body = scoring(behaviour_rules=[{"id": "demo", "event": "form_submitted", "form_ids": ["Demo Form"], "points": 40}])

    with pytest.raises(ValidationError, match=r"behaviour rule 'demo': form id 'Demo Form' must match"):
        parse_ruleset("scoring", body)


def test_a_negative_cap_is_refused() -> None:
    body = scoring(behaviour_rules=[visits(id="ebook", max_points=-5)])

    with pytest.raises(ValidationError, match=r"behaviour rule 'ebook': 'max_points' caps .* must be 0 or more"):
        parse_ruleset("scoring", body)


def test_a_behaviour_rule_with_every_option_is_accepted() -> None:
    rule = visits(
        url_matches=r"/pricing\b",
        properties={"campaign": "spring", "seconds": 30},
        max_points=30,
        once=True,
        half_life_days=14,
    )

    (parsed,) = parse_ruleset("scoring", scoring(behaviour_rules=[rule])).behaviour_rules

    assert (parsed.event, parsed.url_matches, parsed.properties) == ("page_visit", r"/pricing\b", rule["properties"])
    assert (parsed.max_points, parsed.once, parsed.half_life_days) == (30, True, 14)


def test_a_rule_id_used_twice_is_refused_naming_the_id() -> None:
    body = scoring(
        {"id": "demo", "field": "phone", "present": True, "points": 5},
        behaviour_rules=[{"id": "demo", "event": "form_submitted", "form_ids": ["demo-request"], "points": 40}],
    )

    with pytest.raises(ValidationError, match=r"rule id 'demo' is used by more than one rule"):
        parse_ruleset("scoring", body)


def test_a_behaviour_rule_id_used_twice_is_refused() -> None:
    body = scoring(behaviour_rules=[visits(), visits(url_matches="/plans")])

    with pytest.raises(ValidationError, match=r"rule id 'pricing' is used by more than one rule"):
        parse_ruleset("scoring", body)


# -- rosters and the config store ------------------------------------------------------------------------------------


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
    with pytest.raises(ValueError, match=r"unknown rule set kind 'territories'"):
        parse_ruleset("territories", {})


def test_the_version_given_by_the_config_store_overrides_the_body() -> None:
    rules = parse_ruleset("scoring", {**scoring(), "version": 3}, version=7)

    assert rules.version == 7
