"""The boosted-trees predictive score: it learns what a linear score cannot (an interaction, a threshold), explains
each lead by the columns that drove it, gives probabilities that match how often leads convert, is stored as one
JSON document that predicts the same once read back, and gives way to the logistic model when outcomes are few."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime

import pytest
from leadflow.domain.model_metrics import roc_auc
from leadflow.domain.predictive_features import Value
from leadflow.domain.predictive_model import (
    BOOSTING_MIN_PER_CLASS,
    PredictiveModel,
    kind_for,
    predict,
    train,
)
from pydantic import ValidationError

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
MAX_ITEM_BYTES = 400 * 1024  # one DynamoDB item

Rows = list[dict[str, Value]]


def interaction_leads(count: int, seed: int) -> tuple[Rows, list[int]]:
    """Form leads convert when they visited often; chat leads when they did not (they asked their question and were
    ready). No weight per column can say that: visits push one way for forms and the other for chats."""
    rng = random.Random(seed)
    rows: Rows = []
    labels: list[int] = []
    for _ in range(count):
        origin = rng.choice(["form", "chat"])
        visits = rng.randint(0, 20)
        keen = (visits >= 10) == (origin == "form")
        rows.append({"origin": origin, "visits": visits, "colour": rng.choice(["red", "green", "blue"])})
        labels.append(int(rng.random() < (0.8 if keen else 0.1)))
    return rows, labels


def step_leads(count: int, seed: int) -> tuple[Rows, list[int], list[float]]:
    """Leads whose chance of converting steps up at 300 seconds on the site and again at 900, and by 0.2 for a
    partner's referral, and is known exactly; the colour means nothing."""
    rng = random.Random(seed)
    rows: Rows = []
    labels: list[int] = []
    chances: list[float] = []
    for _ in range(count):
        seconds = rng.randint(0, 1800)
        partner = rng.random() < 0.3
        chance = (0.1 if seconds < 300 else 0.4 if seconds < 900 else 0.7) + (0.2 if partner else 0.0)
        rows.append({"seconds": seconds, "partner": "yes" if partner else "no", "colour": rng.choice(["red", "blue"])})
        labels.append(int(rng.random() < chance))
        chances.append(chance)
    return rows, labels, chances


@pytest.fixture(scope="module")
def boosted() -> PredictiveModel:
    rows, labels = interaction_leads(2000, seed=1)
    return train(rows, labels, target="converted", now=NOW)


@pytest.fixture(scope="module")
def stepped() -> PredictiveModel:
    rows, labels, _ = step_leads(3000, seed=3)
    return train(rows, labels, target="converted", now=NOW)


def test_enough_outcomes_of_each_kind_train_boosted_trees(boosted: PredictiveModel) -> None:
    assert boosted.kind == "boosted" and boosted.trees and not boosted.weights


def test_boosted_trees_rank_an_interaction_that_a_logistic_score_cannot(boosted: PredictiveModel) -> None:
    rows, labels = interaction_leads(2000, seed=1)
    logistic = train(rows, labels, target="converted", now=NOW, kind="logistic")
    fresh, fresh_labels = interaction_leads(1000, seed=2)

    trees_auc = roc_auc(fresh_labels, [predict(boosted, row).probability for row in fresh])
    logistic_auc = roc_auc(fresh_labels, [predict(logistic, row).probability for row in fresh])

    assert trees_auc > 0.8 and trees_auc > logistic_auc + 0.1

    def chance(origin: str, visits: int) -> float:
        return predict(boosted, {"origin": origin, "visits": visits, "colour": "red"}).probability

    assert chance("form", 15) > chance("form", 3) + 0.4  # the frequent visitor who filled in a form
    assert chance("chat", 3) > chance("chat", 15) + 0.4  # the chat lead who came once and asked


def test_the_reasons_name_the_columns_that_drove_the_score_and_which_way(stepped: PredictiveModel) -> None:
    keen = predict(stepped, {"seconds": 1500, "partner": "yes", "colour": "red"})
    cold = predict(stepped, {"seconds": 60, "partner": "no", "colour": "red"})

    assert {(reason.column, reason.value) for reason in keen.reasons[:2]} == {("seconds", "1500"), ("partner", "yes")}
    assert all(reason.contribution > 0 for reason in keen.reasons[:2])
    assert str(cold.reasons[0]).startswith("seconds = 60 (-")
    # The colour carries no signal: it never outweighs the columns that do.
    assert all(reason.column != "colour" for reason in keen.reasons[:2] + cold.reasons[:2])


def test_an_interaction_is_explained_by_the_columns_it_is_made_of(boosted: PredictiveModel) -> None:
    # A tree splits on one column and then the other; the score's change is put down to the split that made it,
    # so an interaction is explained by its columns, never by one that carries no signal.
    for origin, visits in (("chat", 2), ("chat", 16), ("form", 2), ("form", 16)):
        prediction = predict(boosted, {"origin": origin, "visits": visits, "colour": "blue"})
        assert prediction.reasons[0].column in {"origin", "visits"}
        assert abs(prediction.reasons[0].contribution) > 1.0


def test_probabilities_match_how_often_leads_convert(stepped: PredictiveModel) -> None:
    model = stepped
    fresh, _, chances = step_leads(2000, seed=4)

    predicted = [predict(model, row).probability for row in fresh]

    assert model.kind == "boosted"
    assert all(0.0 < p < 1.0 for p in predicted)
    # Against the true chance of each fresh lead: off by a few points on average, and right on the whole.
    assert sum(abs(p - c) for p, c in zip(predicted, chances, strict=True)) / len(fresh) < 0.05
    assert abs(sum(predicted) - sum(chances)) / len(fresh) < 0.02
    # The thresholds themselves are found: well past 900 seconds is far likelier than before 300.
    before = predict(model, {"seconds": 250, "partner": "no", "colour": "red"}).probability
    after = predict(model, {"seconds": 1100, "partner": "no", "colour": "red"}).probability
    assert before == pytest.approx(0.1, abs=0.06) and after == pytest.approx(0.7, abs=0.08)


def test_a_stored_boosted_model_reads_back_and_predicts_the_same(boosted: PredictiveModel) -> None:
    # Stored as the config store writes it: compact JSON text of the document, read back through the model.
    text = json.dumps(boosted.model_dump(mode="json"), separators=(",", ":"))
    loaded = PredictiveModel.model_validate(json.loads(text))

    rows, _ = interaction_leads(50, seed=5)
    rows += [{}, {"origin": "fax", "visits": "lots", "colour": None}]  # unseen level, not a number, nothing at all
    assert [predict(loaded, row) for row in rows] == [predict(boosted, row) for row in rows]
    assert loaded == boosted
    assert len(text.encode()) < MAX_ITEM_BYTES


def test_a_logistic_model_stored_before_trees_existed_still_loads_and_scores() -> None:
    rows, labels = interaction_leads(400, seed=6)
    logistic = train(rows, labels, target="converted", now=NOW, kind="logistic")
    old_document = logistic.model_dump(mode="json", exclude={"trees"})  # no "trees" key, as stored before
    assert "trees" not in old_document and old_document["kind"] == "logistic"

    loaded = PredictiveModel.model_validate(old_document)

    assert loaded.kind == "logistic" and predict(loaded, rows[0]) == predict(logistic, rows[0])


def test_few_outcomes_of_either_kind_train_the_logistic_model() -> None:
    rows, labels = interaction_leads(2000, seed=7)
    positives = [i for i, label in enumerate(labels) if label][: BOOSTING_MIN_PER_CLASS - 1]
    negatives = [i for i, label in enumerate(labels) if not label]
    few = sorted(positives + negatives)

    model = train([rows[i] for i in few], [labels[i] for i in few], target="converted", now=NOW)

    assert model.kind == "logistic" and model.weights and not model.trees
    assert kind_for([1] * BOOSTING_MIN_PER_CLASS + [0] * BOOSTING_MIN_PER_CLASS) == "boosted"
    assert kind_for([1] * (BOOSTING_MIN_PER_CLASS - 1) + [0] * 5000) == "logistic"


def test_training_twice_on_the_same_data_gives_the_same_trees(boosted: PredictiveModel) -> None:
    rows, labels = interaction_leads(2000, seed=1)
    assert train(rows, labels, target="converted", now=NOW).model_dump_json() == boosted.model_dump_json()


def test_a_stored_model_whose_trees_do_not_fit_its_features_is_refused(boosted: PredictiveModel) -> None:
    document = boosted.model_dump(mode="json")
    document["trees"][0]["column"][0] = len(boosted.features.columns)  # a column the model does not have
    with pytest.raises(ValidationError, match="column the features do not have"):
        PredictiveModel.model_validate(document)

    document = boosted.model_dump(mode="json")
    document["trees"][0]["left"][0] = 10_000
    with pytest.raises(ValidationError, match="child index"):
        PredictiveModel.model_validate(document)


def test_the_reasons_and_the_starting_point_account_for_the_whole_score(boosted: PredictiveModel) -> None:
    # Three columns, so the (up to) three reasons are every column's push against the average training lead; with
    # the average lead's log-odds they make up the whole score, not just part of it.
    prediction = predict(boosted, {"origin": "form", "visits": 14, "colour": "green"})

    logit = math.log(prediction.probability / (1 - prediction.probability))
    average_lead = boosted.intercept + sum(tree.value[0] for tree in boosted.trees) + sum(boosted.baselines)
    pushes = sum(reason.contribution for reason in prediction.reasons)
    assert logit == pytest.approx(average_lead + pushes, abs=0.01)  # a push under 0.005 is not given as a reason
