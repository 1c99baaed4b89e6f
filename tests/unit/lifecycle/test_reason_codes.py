"""The lifecycle rule set's reason codes: the defaults, and what an invalid one is refused for."""

from __future__ import annotations

from typing import Any

import pytest
from leadflow.models.lifecycle import LifecycleRules
from leadflow.models.rules import parse_ruleset
from pydantic import ValidationError


def test_the_default_rule_set_has_the_issue_s_reason_codes_and_delays(rules: LifecycleRules) -> None:
    delays = {reason.code: reason.recycle_after_days for reason in rules.reason_codes}

    assert delays["bad_timing"] == 90 and delays["unresponsive"] == 60 and delays["lost_to_competitor"] == 120
    assert delays["spam"] is None
    assert set(delays) >= {"no_budget", "no_authority", "no_need", "bad_fit"}
    assert rules.qualification_fields == ["budget", "authority", "need", "timeline"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"code": "bad_timing", "label": "Bad timing", "recycle_after_days": 0}, "reason code 'bad_timing': recycle"),
        ({"code": "Bad Timing", "label": "x"}, "reason code 'Bad Timing': code"),
        ({"code": "late", "label": "Late", "days": 5}, "reason code 'late': days"),
    ],
)
def test_an_invalid_reason_code_is_refused_naming_it(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_ruleset("lifecycle", {"reason_codes": [entry]})


def test_a_reason_code_listed_twice_is_refused() -> None:
    twice = [{"code": "spam", "label": "Spam"}, {"code": "spam", "label": "Junk"}]

    with pytest.raises(ValidationError, match="reason code 'spam' is listed more than once"):
        parse_ruleset("lifecycle", {"reason_codes": twice})
