"""The fitted match model as published in the `matching` rule set: what it refuses, naming the place, and that it
survives the trip through JSON and the config store's parser unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from leadflow.domain.matching import WEIGHTS, MatchRecord, compare, prepare
from leadflow.models.match_model import MATCH_LEVELS, LevelEstimate, MatchModel, TermFrequencies
from leadflow.models.rules import MatchingRuleSet, parse_ruleset
from pydantic import ValidationError

from tests.unit.conftest import load_config


def estimate(m: float = 0.5, u: float = 0.01) -> dict[str, float]:
    return {"m": m, "u": u}


def model_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "prior_bits": -7.5,
        "merge_threshold": 0.99,
        "levels": {
            "email": {"exact": estimate(0.8, 0.005), "different": estimate(0.1, 0.9)},
            "first_name": {"exact": estimate(0.7, 0.05), "different": estimate(0.01, 0.8)},
        },
        "term_frequencies": {
            "last_name": {"values": {"smith": 0.3, "zanzotto": 0.01}, "floor": 0.01, "exact_u": 0.1},
        },
        "stats": {
            "records": 140,
            "candidate_pairs": 359,
            "random_pairs": 50000,
            "iterations": 7,
            "converged": True,
            "expected_duplicates": 64.1,
        },
    }
    body.update(changes)
    return body


def refusal(body: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        MatchModel.model_validate(body)
    return str(caught.value)


def test_a_level_the_matcher_never_finds_is_refused_naming_it() -> None:
    body = model_body(levels={"email": {"exact": estimate(), "exactish": estimate()}})

    message = refusal(body)

    assert "levels.email.exactish: not a level of email" in message
    assert ", ".join(MATCH_LEVELS["email"]) in message  # and the levels it could be


def test_a_field_the_matcher_does_not_compare_is_refused_naming_it() -> None:
    assert "levels.fax: not a compared field" in refusal(model_body(levels={"fax": {"exact": estimate()}}))


def test_term_frequencies_of_a_field_that_is_not_adjusted_are_refused_naming_it() -> None:
    body = model_body(term_frequencies={"email": {"values": {}, "floor": 0.1, "exact_u": 0.1}})

    assert "term_frequencies.email: only first_name, last_name, company, location are adjusted" in refusal(body)


@pytest.mark.parametrize(("m", "u"), [(0.0, 0.1), (0.5, 0.0), (1.5, 0.1), (0.5, -0.1)])
def test_m_and_u_outside_zero_to_one_are_refused(m: float, u: float) -> None:
    message = refusal(model_body(levels={"phone": {"exact_mobile": estimate(m, u)}}))

    assert "levels.phone.exact_mobile" in message


@pytest.mark.parametrize("share", [0.0, -0.2])
def test_a_term_frequency_share_of_zero_or_less_is_refused_naming_it(share: float) -> None:
    body = model_body(
        term_frequencies={"last_name": {"values": {"smith": share}, "floor": 0.01, "exact_u": 0.1}},
    )

    assert "term_frequencies.last_name.values.smith" in refusal(body)


def test_an_unknown_key_is_refused() -> None:
    assert "weights" in refusal({**model_body(), "weights": {}})


def test_a_merge_threshold_of_one_or_more_is_refused() -> None:
    assert "merge_threshold" in refusal(model_body(merge_threshold=1.0))


def test_the_weight_of_a_level_is_log2_m_over_u_and_none_without_an_estimate() -> None:
    model = MatchModel.model_validate(model_body())

    assert model.weight("email", "exact") == pytest.approx(7.321928)  # log2(0.8 / 0.005)
    assert model.weight("phone", "exact_mobile") is None
    assert LevelEstimate(m=1.0, u=1e-30).bits == 40.0  # an agreement never seen at random is not worth infinity


def test_a_level_the_model_has_no_estimate_for_keeps_its_hand_set_weight() -> None:
    model = MatchModel.model_validate(model_body())
    mobile = {"first_name": "Priya", "last_name": "Raman", "phone": "+44 7911 123456", "country": "GB"}
    a, b = prepare(MatchRecord(record_id="a", **mobile)), prepare(MatchRecord(record_id="b", **mobile))

    weights = {item.field: item.weight for item in compare(a, b, model).evidence}

    assert weights["phone"] == WEIGHTS["phone"]["exact_mobile"]
    assert weights["first_name"] == pytest.approx(model.weight("first_name", "exact") or 0.0, abs=1e-4)


# --- published with the `matching` rule set ------------------------------------------------------------------------


def test_a_matching_rule_set_with_a_model_round_trips_through_json_and_the_parser() -> None:
    rules = parse_ruleset("matching", {**load_config("matching.yaml"), "model": model_body()})
    assert isinstance(rules, MatchingRuleSet) and rules.model is not None

    stored = json.loads(rules.model_dump_json())
    again = parse_ruleset("matching", stored)

    assert again == rules
    assert again.model == MatchModel.model_validate(model_body())
    assert again.model is not None and again.model.term_frequencies["last_name"] == TermFrequencies(
        values={"smith": 0.3, "zanzotto": 0.01}, floor=0.01, exact_u=0.1
    )


def test_a_matching_rule_set_without_a_model_has_none() -> None:
    rules = parse_ruleset("matching", load_config("matching.yaml"))

    assert rules.model is None
    assert parse_ruleset("matching", json.loads(rules.model_dump_json())).model is None


def test_the_rule_set_refuses_a_bad_model_naming_the_place() -> None:
    body = {**load_config("matching.yaml"), "model": model_body(levels={"title": {"senior": estimate()}})}

    with pytest.raises(ValueError, match=r"levels\.title\.senior"):
        parse_ruleset("matching", body)
