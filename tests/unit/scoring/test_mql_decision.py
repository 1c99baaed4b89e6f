"""The MQL decision: the stage a score leads to from every stage, the reason given, and the predictive model's say."""

from __future__ import annotations

from datetime import datetime

import pytest
from leadflow.domain.scoring import mql_reason, score_lead, stage_after_scoring
from leadflow.models.lead import Prediction, Score, Stage
from leadflow.models.rules import ScoringRuleSet

from tests.unit.conftest import NOW, company_lead, event, scoring_rules
from tests.unit.scoring.conftest import PRICING, LeadFactory, SubmissionFactory

# -- the MQL decision ------------------------------------------------------------------------------------------------


def score_with(qualifies: bool) -> Score:
    return Score(
        fit=60, engagement=40, total=100, grade="A", level=2, qualifies=qualifies, ruleset_version=1, scored_at=NOW
    )


@pytest.mark.parametrize(
    ("stage", "when_it_qualifies", "when_it_does_not"),
    [
        (Stage.NEW, Stage.MQL, Stage.NEW),
        (Stage.RECYCLED, Stage.MQL, Stage.RECYCLED),
        (Stage.MQL, Stage.MQL, Stage.NEW),
        (Stage.SAL, Stage.SAL, Stage.SAL),
        (Stage.SQL, Stage.SQL, Stage.SQL),
        (Stage.OPPORTUNITY, Stage.OPPORTUNITY, Stage.OPPORTUNITY),
        (Stage.CUSTOMER, Stage.CUSTOMER, Stage.CUSTOMER),
        (Stage.DISQUALIFIED, Stage.DISQUALIFIED, Stage.DISQUALIFIED),
    ],
)
def test_the_stage_after_scoring_for_every_stage(
    stage: Stage, when_it_qualifies: Stage, when_it_does_not: Stage
) -> None:
    lead = company_lead(stage=stage)

    assert stage_after_scoring(lead, score_with(qualifies=True)) is when_it_qualifies
    assert stage_after_scoring(lead, score_with(qualifies=False)) is when_it_does_not


def test_every_stage_is_covered_by_the_stage_table() -> None:
    covered = {Stage.NEW, Stage.RECYCLED, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER}
    assert set(Stage) == covered | {Stage.DISQUALIFIED}


def test_an_mql_whose_score_no_longer_qualifies_goes_back_to_new(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    lead = lead_from(submission("ada.lovelace@gmail.com")).model_copy(update={"stage": Stage.MQL})

    score = score_lead(lead, default_scoring, now)

    assert stage_after_scoring(lead, score) is Stage.NEW


@pytest.mark.parametrize("stage", [Stage.SAL, Stage.SQL, Stage.DISQUALIFIED])
def test_stages_set_by_a_person_are_never_changed_by_scoring(
    stage: Stage, submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    qualified = lead_from(submission("ada@sap.com", title="CEO", form_id="demo-request")).model_copy(
        update={"stage": stage}
    )
    unqualified = lead_from(submission("ada@gmail.com")).model_copy(update={"stage": stage})

    assert stage_after_scoring(qualified, score_lead(qualified, default_scoring, now)) is stage
    assert stage_after_scoring(unqualified, score_lead(unqualified, default_scoring, now)) is stage


def test_the_mql_reason_names_the_cell_the_scores_and_the_rule_set_version(default_scoring: ScoringRuleSet) -> None:
    lead = company_lead(event("web-1", "webinar_attended"), event("visit-1", "page_visit", url=PRICING))

    score = score_lead(lead, default_scoring, NOW)

    assert mql_reason(score, default_scoring) == "grade A2 (fit 70, engagement 41) is an MQL cell (rules v1)"


def test_the_reason_a_lead_is_not_an_mql_names_its_cell(default_scoring: ScoringRuleSet) -> None:
    score = score_lead(company_lead(event("web-1", "webinar_attended")), default_scoring, NOW)

    assert mql_reason(score, default_scoring) == "grade A3 (fit 70, engagement 25) is not an MQL cell (rules v1)"


def test_a_cell_qualifies_only_when_the_rule_set_lists_it() -> None:
    lead = company_lead(event("web-1", "webinar_attended"))
    fit = {"id": "vp", "field": "seniority", "equals": "vp", "points": 60}
    webinar = [{"id": "webinar", "event": "webinar_attended", "points": 40}]

    listed = score_lead(lead, scoring_rules(fit, behaviour_rules=webinar, mql_cells=["A2"]), NOW)
    unlisted = score_lead(lead, scoring_rules(fit, behaviour_rules=webinar, mql_cells=["A1", "B2"]), NOW)

    assert (listed.cell, listed.qualifies) == ("A2", True)
    assert (unlisted.cell, unlisted.qualifies) == ("A2", False)


# -- the predictive model --------------------------------------------------------------------------------------------


def predictive_rules(threshold: float | None) -> ScoringRuleSet:
    return scoring_rules(predictive={"mql_probability": threshold})


@pytest.mark.parametrize(("probability", "qualifies"), [(0.8, True), (0.6, True), (0.59, False)])
def test_a_lead_predicted_likely_to_convert_qualifies_outside_the_mql_cells(
    probability: float, qualifies: bool
) -> None:
    prediction = Prediction(probability=probability, reasons=["similar leads converted"], model_version=3)

    score = score_lead(company_lead(), predictive_rules(0.6), NOW, prediction=prediction)

    assert score.cell == "D4"
    assert score.qualifies is qualifies
    assert score.predictive == prediction


def test_a_prediction_does_not_qualify_a_lead_without_a_probability_threshold() -> None:
    prediction = Prediction(probability=0.99, model_version=3)

    assert score_lead(company_lead(), predictive_rules(None), NOW, prediction=prediction).qualifies is False


def test_the_mql_reason_gives_the_predicted_probability_when_the_model_takes_part() -> None:
    rules = predictive_rules(0.6)
    score = score_lead(company_lead(), rules, NOW, prediction=Prediction(probability=0.8, model_version=3))

    assert (
        mql_reason(score, rules)
        == "grade D4 (fit 0, engagement 0) is not an MQL cell; predicted conversion 80% (rules v4)"
    )
