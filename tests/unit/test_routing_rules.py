"""Routing rules as data: a bad rule set is refused naming the rule; the default files are valid together."""

from __future__ import annotations

from typing import Any

import pytest
from leadflow.domain.routing import turn_order, weighted_schedule
from leadflow.models.roster import reference_problems
from leadflow.models.routing import TeamMember
from leadflow.models.rules import RepRoster, parse_ruleset
from pydantic import ValidationError

from tests.unit.conftest import load_config


def rules(*rule: dict[str, Any]) -> dict[str, Any]:
    return {"fallback_queue": "queue:unassigned", "rules": list(rule)}


def test_the_default_routing_rules_name_only_reps_and_teams_of_the_default_roster(default_reps: RepRoster) -> None:
    routing = parse_ruleset("routing", load_config("routing.yaml"))

    assert reference_problems(routing, default_reps) == []
    assert routing.fallback_queue == "queue:unassigned"


def test_a_rule_naming_an_unknown_rep_or_team_is_refused_naming_the_rule(default_reps: RepRoster) -> None:
    routing = parse_ruleset("routing", rules({"id": "vip", "assign": {"rep": "zed"}},
                                             {"id": "emea", "assign": {"team": "nowhere"}}))  # fmt: skip

    problems = reference_problems(routing, default_reps)

    assert problems[0] == "routing rule 'vip': unknown rep 'zed'"
    assert problems[1].startswith("routing rule 'emea': unknown team 'nowhere'")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"id": "empty", "assign": {"pool": []}}, r"routing rule 'empty': .*has no members"),
        ({"id": "heavy", "assign": {"pool": [{"rep": "ana", "weight": 0}]}}, r"routing rule 'heavy': .*more than 0"),
        ({"id": "where", "when": {"shoe_size": 9}, "assign": {"rep": "ana"}}, r"routing rule 'where': .*unknown field"),
        ({"id": "two", "assign": {"rep": "ana", "team": "x"}}, r"routing rule 'two': .*exactly one target"),
        (
            {"id": "regex", "when": {"title": {"matches": "("}}, "assign": {"rep": "a"}},
            r"routing rule 'regex': .*regular",
        ),
    ],
)
def test_an_invalid_rule_is_refused_naming_the_rule(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_ruleset("routing", rules(rule))


def test_a_team_with_a_weight_below_one_or_no_members_is_refused_naming_the_team() -> None:
    roster = load_config("reps.yaml")
    bad = {**roster, "teams": [{"id": "t", "name": "T", "members": [{"rep": "dana-whitfield", "weight": -1}]}]}
    empty = {**roster, "teams": [{"id": "e", "name": "E", "members": []}]}

    with pytest.raises(ValidationError, match=r"team 't': .*more than 0"):
        parse_ruleset("reps", bad)
    with pytest.raises(ValidationError, match=r"team 'e': .*has no members"):
        parse_ruleset("reps", empty)


def test_a_rep_with_an_unknown_time_zone_is_refused_naming_the_rep() -> None:
    roster = load_config("reps.yaml")
    bad = {**roster, "reps": [{**roster["reps"][0], "working_hours": {"timezone": "Mars/Olympus"}}]}

    with pytest.raises(ValidationError, match=r"rep 'dana-whitfield': .*unknown IANA time zone 'Mars/Olympus'"):
        parse_ruleset("reps", {**bad, "teams": []})


def test_the_weighted_schedule_spreads_a_3_1_1_cycle_evenly() -> None:
    assert weighted_schedule((3, 1, 1)) == (0, 1, 0, 2, 0)
    assert weighted_schedule((2, 2)) == (0, 1)


def test_turn_order_starts_with_whose_turn_it_is_and_lists_everyone_once() -> None:
    members = [TeamMember(rep="a", weight=3), TeamMember(rep="b"), TeamMember(rep="c")]

    assert turn_order(members, "weighted", 2, {}) == ["b", "a", "c"]
    assert turn_order(members, "round_robin", 2, {}) == ["b", "c", "a"]
    assert turn_order(members, "least_loaded", 1, {"a": 5, "b": 1, "c": 1}) == ["b", "c", "a"]
