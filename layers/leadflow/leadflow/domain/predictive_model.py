"""The predictive lead score: the probability that a lead converts, learned from closed-loop outcomes (won or lost,
converted or not) by the scheduled trainer, with the top reasons behind it.

A logistic regression over the encoding of predictive_features: its weights are log-odds, so a column's share of a
lead's score is exact and readable ("Total Time Spent on Website = 1532 (+1.2)"), measured against the average
training lead. The model is one JSON document (a few kB) holding everything scoring needs; scoring needs only the
standard library. Without enough outcomes of both kinds, `train` refuses and the rules alone decide."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from leadflow.domain.logistic_fit import fit_logistic
from leadflow.domain.predictive_features import (
    FeatureSpec,
    Record,
    Value,
    category_key,
    display_value,
    encode,
    fit_feature_spec,
)

__all__ = [
    "DEFAULT_L2",
    "FORMAT_VERSION",
    "MIN_EXAMPLES",
    "MIN_PER_CLASS",
    "NotEnoughOutcomes",
    "Prediction",
    "PredictiveModel",
    "Reason",
    "outcome_label",
    "predict",
    "train",
]

FORMAT_VERSION: Final = 1
#: L2 strength on the mean log-loss: enough to tame levels seen a dozen times, little enough not to flatten the rest
#: (checked on tests/bench/scoring_model.py; the AUC moves by less than 0.002 from 1e-4 to 3e-3).
DEFAULT_L2: Final = 1e-3
#: Below these, a model learns the noise of a few deals: the rules are the better judge.
MIN_EXAMPLES: Final = 200
MIN_PER_CLASS: Final = 20
REASONS: Final = 3

_POSITIVE: Final = frozenset({"1", "true", "yes", "won"})
_NEGATIVE: Final = frozenset({"0", "false", "no", "lost"})


class NotEnoughOutcomes(Exception):
    """Too few closed leads (or too few of one kind) to learn from."""

    def __init__(self, examples: int, positives: int, min_examples: int, min_per_class: int) -> None:
        self.examples = examples
        self.positives = positives
        self.negatives = examples - positives
        self.min_examples = min_examples
        self.min_per_class = min_per_class
        super().__init__(
            f"not enough outcomes to train a predictive model: {examples} examples (need {min_examples}), "
            f"{positives} positive and {self.negatives} negative (need {min_per_class} of each); "
            "the scoring rules alone decide until there are more"
        )


class Reason(BaseModel):
    """One column's push on a lead's score, in log-odds against the average training lead (+ raises it)."""

    model_config = ConfigDict(frozen=True)

    column: str
    value: str
    contribution: float

    def __str__(self) -> str:
        return f"{self.column} = {self.value} ({self.contribution:+.1f})"


class Prediction(BaseModel):
    model_config = ConfigDict(frozen=True)

    probability: float = Field(ge=0, le=1)
    reasons: list[Reason]


class PredictiveModel(BaseModel):
    """A trained model, stored as one JSON document (one DynamoDB item). `baselines` holds each column's average
    contribution over the training rows, which reasons are measured against."""

    model_config = ConfigDict(frozen=True)

    format_version: Literal[1] = FORMAT_VERSION
    kind: Literal["logistic"] = "logistic"
    #: Set by the model store when it publishes the model (1, 2, ...); 0 for a model not published yet.
    version: int = Field(default=0, ge=0)
    target: str
    trained_at: datetime
    training_rows: int
    positives: int
    excluded: list[str] = Field(default_factory=list)
    features: FeatureSpec
    intercept: float
    weights: list[float]
    baselines: list[float]
    l2: float
    metrics: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _sizes_agree(self) -> Self:
        if len(self.weights) != self.features.width:
            raise ValueError(f"{len(self.weights)} weights for {self.features.width} features")
        if len(self.baselines) != len(self.features.columns):
            raise ValueError(f"{len(self.baselines)} baselines for {len(self.features.columns)} columns")
        return self


def outcome_label(value: Value) -> int | None:
    """1 for a positive outcome (1, true, yes, won), 0 for a negative one (0, false, no, lost), None when missing.
    Anything else raises ValueError: guessing what "maybe" means would train on noise."""
    key = category_key(value)
    if key is None:
        return None
    if key in _POSITIVE:
        return 1
    if key in _NEGATIVE:
        return 0
    raise ValueError(f"{display_value(value)!r} is not an outcome (expected 1/0, true/false, yes/no or won/lost)")


def train(
    rows: Sequence[Record],
    labels: Sequence[int],
    *,
    target: str,
    now: datetime,
    exclude: Iterable[str] = (),
    l2: float = DEFAULT_L2,
    min_examples: int = MIN_EXAMPLES,
    min_per_class: int = MIN_PER_CLASS,
) -> PredictiveModel:
    """Learn the encoding and the weights from `rows` and their outcomes (1 converted, 0 not). Every column the rows
    carry is a candidate feature except the target and `exclude`: leave out identifiers and anything filled in only
    after the outcome was known, or the model learns the answer rather than the signs. Raises NotEnoughOutcomes."""
    if len(rows) != len(labels):
        raise ValueError(f"{len(rows)} rows but {len(labels)} labels")
    if any(label not in (0, 1) for label in labels):
        raise ValueError("labels must be 0 or 1")
    positives = sum(labels)
    if len(labels) < min_examples or min(positives, len(labels) - positives) < min_per_class:
        raise NotEnoughOutcomes(len(labels), positives, min_examples, min_per_class)
    excluded = sorted(set(exclude) - {target})
    skip = {target, *excluded}
    columns = [name for name in dict.fromkeys(key for row in rows for key in row) if name not in skip]
    spec = fit_feature_spec(rows, columns)
    encoded = [encode(spec, row) for row in rows]
    fit = fit_logistic(encoded, labels, spec.width, l2)
    weights = [_round(w) for w in fit.weights]
    return PredictiveModel(
        target=target,
        trained_at=now,
        training_rows=len(rows),
        positives=positives,
        excluded=excluded,
        features=spec,
        intercept=_round(fit.intercept),
        weights=weights,
        baselines=_baselines(spec, weights, encoded),
        l2=l2,
    )


def predict(model: PredictiveModel, record: Record) -> Prediction:
    """The probability that the lead converts, and the (up to) three columns that moved it most either way."""
    weights, baselines = model.weights, model.baselines
    logit = model.intercept
    pushes: list[tuple[float, int]] = []
    start = 0
    for position, column in enumerate(model.features.columns):
        share = sum(weights[start + index] * value for index, value in column.encode(record.get(column.name)))
        logit += share
        pushes.append((share - baselines[position], position))
        start += column.width
    pushes.sort(key=lambda item: (-abs(item[0]), item[1]))
    reasons = []
    for push, position in pushes[:REASONS]:
        if round(push, 2) != 0:  # a column that moved nothing explains nothing
            name = model.features.columns[position].name
            reasons.append(Reason(column=name, value=display_value(record.get(name)), contribution=round(push, 4)))
    return Prediction(probability=_sigmoid(logit), reasons=reasons)


def _baselines(spec: FeatureSpec, weights: list[float], encoded: list[list[tuple[int, float]]]) -> list[float]:
    """Each column's mean contribution to the log-odds over the training rows."""
    column_of = [position for position, column in enumerate(spec.columns) for _ in range(column.width)]
    totals = [0.0] * len(spec.columns)
    for row in encoded:
        for index, value in row:
            totals[column_of[index]] += weights[index] * value
    return [_round(total / max(len(encoded), 1)) for total in totals]


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    tail = math.exp(z)
    return tail / (1.0 + tail)


def _round(number: float) -> float:
    """Seven significant digits keep the JSON short and change no probability by more than 1e-6."""
    return float(f"{number:.7g}")
