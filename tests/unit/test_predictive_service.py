"""The predictive score in production: trained from recorded outcomes only once there are enough, published as a
versioned config document, and then part of every score with its reasons; rules alone decide before that."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from leadflow.models.lead import Activity, Firmographics, Lead, Outcome
from leadflow.services import predictive, predictive_scoring
from leadflow.services.pipeline import rescore_lead
from leadflow.services.pipeline_deps import PipelineDeps

from tests.unit.conftest import load_config, memory_deps

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def deps() -> PipelineDeps:
    return memory_deps(NOW, {"scoring": load_config("scoring.yaml")})


def closed_lead(deps: PipelineDeps, number: int, *, senior: bool, webinars: int, won: bool) -> Lead:
    created = NOW - timedelta(days=60)
    activity = [
        Activity(event_id=f"w{number}-{i}", type="webinar_attended", occurred_at=created + timedelta(days=i))
        for i in range(webinars)
    ]
    lead = Lead(
        lead_id=f"lead_{number:026d}",
        email=f"p{number}@northwind.example",
        email_canonical=f"p{number}@northwind.example",
        title="VP Sales" if senior else "Analyst",
        created_at=created,
        updated_at=created,
        activity=activity,
        firmographics=Firmographics(domain="northwind.example", industry="software", known=True),
    )
    deps.store.save_lead(lead, expected_version=None)
    outcome = Outcome(result="won" if won else "lost", closed_at=NOW - timedelta(days=1), actor="crm")
    deps.store.put_outcome(lead.lead_id, outcome)
    return lead


def history(deps: PipelineDeps, count: int, seed: int = 3) -> None:
    """Senior people who attend webinars mostly buy; others mostly do not."""
    rng = random.Random(seed)
    for number in range(count):
        senior, webinars = rng.random() < 0.5, rng.randrange(0, 4)
        likely = 0.85 if senior and webinars >= 2 else 0.1
        closed_lead(deps, number, senior=senior, webinars=webinars, won=rng.random() < likely)


def test_below_the_minimum_of_outcomes_nothing_is_trained_and_rules_alone_decide(deps: PipelineDeps) -> None:
    history(deps, 40)

    run = predictive.retrain(deps)

    assert not run.trained and run.examples == 40
    assert "not enough outcomes" in run.reason and "rules alone" in run.reason
    assert predictive_scoring.active_model(deps.config) is None
    lead = rescore_lead("lead_00000000000000000000000001", deps, ref="test")
    assert lead.score is not None and lead.score.predictive is None


def test_with_enough_outcomes_a_model_is_published_and_scores_carry_its_probability_and_reasons(
    deps: PipelineDeps,
) -> None:
    history(deps, 400)

    run = predictive.retrain(deps)

    assert run.trained and run.version == 1 and run.examples == 400
    assert run.holdout_auc is not None and run.holdout_auc > 0.75
    model = predictive_scoring.active_model(deps.config)
    assert model is not None and model.version == 1 and model.metrics["holdout_auc"] == round(run.holdout_auc, 4)
    keen = closed_lead(deps, 9001, senior=True, webinars=3, won=True)
    cold = closed_lead(deps, 9002, senior=False, webinars=0, won=False)
    keen_score = rescore_lead(keen.lead_id, deps, ref="test").score
    cold_score = rescore_lead(cold.lead_id, deps, ref="test").score
    assert keen_score is not None and cold_score is not None
    assert keen_score.predictive is not None and cold_score.predictive is not None
    assert keen_score.predictive.probability > 0.6 and cold_score.predictive.probability < 0.3
    assert keen_score.predictive.model_version == 1
    assert any("seniority" in reason or "webinar" in reason for reason in keen_score.predictive.reasons)


def test_a_model_predicting_conversion_makes_an_mql_when_the_rules_say_so(deps: PipelineDeps) -> None:
    history(deps, 400)
    predictive.retrain(deps)
    keen = closed_lead(deps, 9003, senior=True, webinars=3, won=True)
    without = rescore_lead(keen.lead_id, deps, ref="before").score
    assert without is not None and without.predictive is not None

    scoring = load_config("scoring.yaml")
    scoring["predictive"] = {**scoring["predictive"], "mql_probability": 0.5}
    scoring["mql_cells"] = ["A1"]  # the cells alone would not make this lead an MQL
    deps.config.publish("scoring", scoring)
    lead = rescore_lead(keen.lead_id, deps, ref="after")

    assert lead.score is not None and lead.score.cell != "A1"
    assert lead.score.qualifies and lead.stage.value == "mql"
