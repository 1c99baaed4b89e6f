"""The predictive lead score: ranking metrics, the feature encoding, training on outcomes and explained predictions."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from leadflow.domain.model_metrics import roc_auc, stratified_split, top_decile_lift
from leadflow.domain.predictive_features import (
    CategoricalColumn,
    NumericColumn,
    Record,
    Value,
    encode,
    fit_feature_spec,
)
from leadflow.domain.predictive_model import (
    NotEnoughOutcomes,
    PredictiveModel,
    Reason,
    outcome_label,
    predict,
    train,
)

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
MAX_ITEM_BYTES = 400 * 1024  # one DynamoDB item


def synthetic_leads(count: int, seed: int) -> tuple[list[dict[str, Value]], list[int]]:
    """Leads whose conversion depends strongly on `demo_requested`, somewhat on `visits`, not at all on `colour`."""
    rng = random.Random(seed)
    rows: list[dict[str, Value]] = []
    labels: list[int] = []
    for number in range(count):
        demo = rng.random() < 0.3
        visits = rng.randint(0, 20)
        chance = 0.05 + (0.7 if demo else 0.0) + 0.01 * visits
        rows.append(
            {
                "lead_id": f"L-{number}",
                "demo_requested": "yes" if demo else "no",
                "visits": str(visits) if rng.random() > 0.05 else "",
                "colour": rng.choice(["red", "green", "blue"]),
                "country": rng.choice(["US", "GB", "DE", "FR"]) if rng.random() > 0.1 else None,
            }
        )
        labels.append(int(rng.random() < chance))
    return rows, labels


@pytest.fixture(scope="module")
def model() -> PredictiveModel:
    rows, labels = synthetic_leads(800, seed=3)
    return train(rows, labels, target="converted", now=NOW, exclude=["lead_id"])


# --- metrics ------------------------------------------------------------------------------------------------------


def test_roc_auc_counts_the_pairs_a_score_orders_right() -> None:
    # Positives 0.35 and 0.8 against negatives 0.1 and 0.4: three of the four pairs in order.
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert roc_auc([0, 1], [0.2, 0.9]) == 1.0
    assert roc_auc([1, 0], [0.2, 0.9]) == 0.0


def test_roc_auc_counts_a_tie_between_a_positive_and_a_negative_as_half() -> None:
    # Pairs: (0.5+, 0.5-) tie = 0.5; (0.5+, 0.2-) = 1; (0.9+, both) = 2: 3.5 of 4.
    assert roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]) == pytest.approx(0.875)
    assert roc_auc([0, 1, 1, 0], [3.0, 3.0, 3.0, 3.0]) == pytest.approx(0.5)


def test_roc_auc_needs_both_outcomes() -> None:
    with pytest.raises(ValueError, match="positive and one negative"):
        roc_auc([1, 1], [0.1, 0.2])


def test_top_decile_lift_compares_the_best_tenth_with_the_overall_rate() -> None:
    labels = [1, 1] + [0] * 8 + [1] * 8 + [0] * 2  # 20 leads, half converted
    scores = [0.99, 0.98] + [0.1] * 8 + [0.5] * 8 + [0.2] * 2
    assert top_decile_lift(labels, scores) == pytest.approx(2.0)  # the best 2 both converted: 100% vs 50%


def test_top_decile_lift_shares_a_tie_at_the_cut() -> None:
    # Ten leads, the cut is one lead; the best two tie, one converted: half a conversion inside the cut.
    labels = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    scores = [0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
    assert top_decile_lift(labels, scores) == pytest.approx(0.5 / 0.2)


def test_a_stratified_split_keeps_the_share_of_positives_and_depends_only_on_the_seed() -> None:
    rows = list(range(1000))
    labels = [int(row % 4 == 0) for row in rows]

    split = stratified_split(rows, labels, test_fraction=0.3, seed=7)

    assert len(split.test_rows) == 300 and sum(split.test_labels) == 75
    assert sorted(split.train_rows + split.test_rows) == rows
    assert stratified_split(rows, labels, 0.3, seed=7) == split
    assert stratified_split(rows, labels, 0.3, seed=8).test_rows != split.test_rows


# --- encoding -----------------------------------------------------------------------------------------------------


def test_a_column_of_numbers_is_numeric_but_a_zero_one_column_is_a_category() -> None:
    rows: list[Record] = [
        {"visits": str(n % 7), "flag": str(n % 2), "spend": n * 1.5 if n % 25 else "n/a"} for n in range(100)
    ]

    spec = fit_feature_spec(rows, ["visits", "flag", "spend"])

    kinds = {column.name: type(column) for column in spec.columns}
    assert kinds == {"visits": NumericColumn, "flag": CategoricalColumn, "spend": NumericColumn}


def test_levels_ignore_case_and_rare_levels_are_pooled() -> None:
    rows: list[Record] = [*[{"source": "Google"}] * 50, *[{"source": "google "}] * 50, *[{"source": "fax"}] * 2]

    (column,) = fit_feature_spec(rows, ["source"]).columns

    assert isinstance(column, CategoricalColumn) and column.levels == ["google"]
    assert column.encode("fax") == column.encode("never seen") == [(1, 1.0)]  # both "other"
    assert column.encode(None) == column.encode("  ") == [(2, 1.0)]  # missing is its own level


def test_an_identifier_and_a_constant_column_are_not_used() -> None:
    rows: list[Record] = [
        {"lead_id": f"L-{n}", "tenant": "acme", "plan": "pro" if n % 3 else "free"} for n in range(100)
    ]

    spec = fit_feature_spec(rows, ["lead_id", "tenant", "plan"])

    assert [column.name for column in spec.columns] == ["plan"]
    assert set(spec.ignored) == {"lead_id", "tenant"}


def test_a_record_without_a_column_encodes_it_as_missing() -> None:
    spec = fit_feature_spec([{"plan": "pro", "visits": n} for n in range(50)], ["plan", "visits"])

    assert encode(spec, {}) == encode(spec, {"plan": None, "visits": "not a number"})


# --- training and predicting --------------------------------------------------------------------------------------


def test_the_model_learns_an_obvious_signal_and_names_it_as_the_reason(model: PredictiveModel) -> None:
    rows, labels = synthetic_leads(400, seed=11)
    scores = [predict(model, row).probability for row in rows]
    assert roc_auc(labels, scores) > 0.8

    keen = predict(model, {"demo_requested": "Yes", "visits": 5, "colour": "red", "country": "US"})
    cold = predict(model, {"demo_requested": "no", "visits": 5, "colour": "red", "country": "US"})
    assert keen.probability > 0.6 and cold.probability < 0.2
    assert keen.reasons[0].column == "demo_requested" and keen.reasons[0].contribution > 0
    assert keen.reasons[0].value == "Yes"
    assert cold.reasons[0].column == "demo_requested" and cold.reasons[0].contribution < 0


def test_unseen_levels_and_missing_values_at_scoring_time_do_not_fail(model: PredictiveModel) -> None:
    records: list[Record] = [
        {},
        {"demo_requested": "maybe later", "visits": "lots", "colour": None, "country": "JP"},
        {"demo_requested": True, "visits": float("nan"), "colour": 3, "extra": "ignored"},
    ]
    for record in records:
        prediction = predict(model, record)
        assert 0.0 < prediction.probability < 1.0
        assert len(prediction.reasons) <= 3

    missing = predict(model, {"demo_requested": None})
    assert "(missing)" in {reason.value for reason in missing.reasons}


def test_a_reason_reads_as_column_value_and_signed_log_odds() -> None:
    reason = Reason(column="Total Time Spent on Website", value="1532", contribution=1.234)
    assert str(reason) == "Total Time Spent on Website = 1532 (+1.2)"
    assert str(Reason(column="Lead Origin", value="API", contribution=-0.46)) == "Lead Origin = API (-0.5)"


def test_the_model_survives_a_json_round_trip_with_identical_predictions(model: PredictiveModel) -> None:
    stored = model.model_dump_json()
    loaded = PredictiveModel.model_validate_json(stored)

    rows, _ = synthetic_leads(50, seed=5)
    assert [predict(loaded, row) for row in rows] == [predict(model, row) for row in rows]
    assert loaded.trained_at == NOW and loaded.target == "converted" and loaded.excluded == ["lead_id"]
    assert len(stored.encode()) < MAX_ITEM_BYTES


def test_the_target_and_excluded_columns_are_never_features(model: PredictiveModel) -> None:
    names = {column.name for column in model.features.columns}
    assert names == {"demo_requested", "visits", "colour", "country"}
    assert model.training_rows == 800 and 0 < model.positives < 800


def test_training_twice_on_the_same_data_gives_the_same_model(model: PredictiveModel) -> None:
    rows, labels = synthetic_leads(800, seed=3)
    again = train(rows, labels, target="converted", now=NOW, exclude=["lead_id"])
    assert again.model_dump_json() == model.model_dump_json()


def test_a_wide_table_of_many_frequent_long_levels_still_fits_in_one_dynamodb_item() -> None:
    # 30 columns of 50 levels seen 12 times each: every column keeps its maximum of levels, each a long name.
    rows: list[Record] = [
        {f"column_{k}": f"a rather long level name, as a CRM picklist has: {(n * 7 + k) % 50}" for k in range(30)}
        for n in range(600)
    ]
    labels = [n % 2 for n in range(600)]

    wide = train(rows, labels, target="won", now=NOW)

    assert all(isinstance(column, CategoricalColumn) and len(column.levels) == 40 for column in wide.features.columns)
    assert len(wide.model_dump_json().encode()) < MAX_ITEM_BYTES


def test_too_few_outcomes_are_refused_and_say_that_rules_decide() -> None:
    rows, labels = synthetic_leads(150, seed=1)
    with pytest.raises(NotEnoughOutcomes, match="150 examples \\(need 200\\)") as refused:
        train(rows, labels, target="converted", now=NOW)
    assert refused.value.examples == 150 and "rules alone decide" in str(refused.value)


def test_too_few_outcomes_of_one_kind_are_refused() -> None:
    rows, _ = synthetic_leads(300, seed=1)
    labels = [1] * 10 + [0] * 290
    with pytest.raises(NotEnoughOutcomes) as refused:
        train(rows, labels, target="converted", now=NOW, min_per_class=20)
    assert (refused.value.positives, refused.value.negatives) == (10, 290)

    assert train(rows, labels, target="converted", now=NOW, min_per_class=10).positives == 10


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        (1, 1),
        ("Won", 1),
        ("yes", 1),
        (True, 1),
        ("0", 0),
        ("lost", 0),
        ("FALSE", 0),
        ("", None),
        (None, None),
    ],
)
def test_outcome_labels(value: Value, expected: int | None) -> None:
    assert outcome_label(value) == expected


def test_an_outcome_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="'maybe' is not an outcome"):
        outcome_label("maybe")
