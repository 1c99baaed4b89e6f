"""Shared by the lifecycle decision tests: the default lifecycle rule set, a lead at any stage, and the sales requests
that move it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from leadflow.domain.lifecycle import (
    apply_action,
)
from leadflow.models.lead import Lead, Stage
from leadflow.models.lifecycle import LifecycleRules, StageRequest
from leadflow.models.rules import parse_ruleset

from tests.unit.conftest import NOW, load_config

BANT = {"budget": "40k EUR", "authority": "VP signs", "need": "routing by territory", "timeline": "Q2"}


@pytest.fixture(scope="module")
def rules() -> LifecycleRules:
    return parse_ruleset("lifecycle", load_config("lifecycle.yaml"), version=3)


def a_lead(stage: Stage = Stage.MQL, **fields: Any) -> Lead:
    return Lead(
        lead_id="lead-0001",
        email="ada@northwind.example",
        email_canonical="ada@northwind.example",
        created_at=NOW - timedelta(days=30),
        updated_at=NOW - timedelta(days=1),
        stage=stage,
        **fields,
    )


def ask(action: str, **fields: Any) -> StageRequest:
    body: dict[str, Any] = {"action": action, "actor": "rep:dana", **fields}
    if action == "qualify":
        body.setdefault("qualification", BANT)
    if action == "disqualify":
        body.setdefault("reason_code", "bad_timing")
    return StageRequest.model_validate(body)


def disqualified(reason_code: str, rules: LifecycleRules, at: datetime = NOW) -> Lead:
    change = apply_action(a_lead(Stage.SAL), ask("disqualify", reason_code=reason_code), rules, at)
    assert change is not None
    return change.lead
