"""The predictive score in production: the weekly trainer learns from closed-loop outcomes (POST /v1/leads/{id}/outcome)
and publishes the model as a versioned config document; the score step reads the active model and adds a probability
with its reasons to every score. Below the configured number of outcomes there is no model, and rules alone decide.

Each training row is the lead as it was when it was routed to sales (its activity up to then), because that is the
moment the model's scores are used: a row of the lead as it was at the close would carry the meetings and calls of
the sales cycle and teach the model what a lead looks like after it has been worked, not before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from leadflow.domain.lead_features import lead_features
from leadflow.domain.model_metrics import roc_auc, stratified_split
from leadflow.domain.predictive_features import Value
from leadflow.domain.predictive_model import ModelKind, NotEnoughOutcomes, kind_for, predict, train
from leadflow.models.rules import ScoringRuleSet
from leadflow.ports import Clock, LeadRecords, Outcomes, RuleSets
from leadflow.services.pipeline_deps import active_ruleset
from leadflow.services.predictive_scoring import MODEL_KIND

TARGET = "won"
HOLDOUT = 0.3
SEED = 7
BOTH_OUTCOMES = 2  # ROC AUC ranks won leads against lost ones: the test split needs some of each
MAX_EXAMPLES = 200_000  # a year of a large funnel; the trainer reads them page by page
PAGE = 500


class TrainingStore(Outcomes, LeadRecords, Protocol):
    """Training reads the outcomes and the leads they name; it writes nothing to the leads table."""


class TrainingDeps(Protocol):
    """What retraining works with: the training examples, the rule sets (the scoring rules' predictive settings in,
    a new model version out) and the clock."""

    @property
    def store(self) -> TrainingStore: ...

    @property
    def config(self) -> RuleSets: ...

    @property
    def clock(self) -> Clock: ...


@dataclass(frozen=True)
class TrainingRun:
    examples: int
    won: int
    trained: bool
    version: int | None = None
    holdout_auc: float | None = None
    reason: str = ""
    #: boosted trees with enough outcomes of each kind, logistic regression with fewer (see predictive_model).
    kind: ModelKind | None = None


def retrain(deps: TrainingDeps) -> TrainingRun:
    """Train on every recorded outcome and publish the model when there are enough; say why not otherwise."""
    settings = active_ruleset(deps.config, "scoring", ScoringRuleSet).predictive
    rows, labels = _training_rows(deps)
    won = sum(labels)
    kind = kind_for(labels)
    try:
        holdout_auc = _holdout_auc(rows, labels, kind, settings.min_outcomes, settings.min_per_class)
        model = train(
            rows,
            labels,
            target=TARGET,
            now=deps.clock.now(),
            kind=kind,
            min_examples=settings.min_outcomes,
            min_per_class=settings.min_per_class,
        )
    except NotEnoughOutcomes as exc:
        return TrainingRun(examples=len(rows), won=won, trained=False, reason=str(exc))
    if holdout_auc is not None:
        model = model.model_copy(update={"metrics": {**model.metrics, "holdout_auc": round(holdout_auc, 4)}})
    version = deps.config.publish(MODEL_KIND, model.model_dump(mode="json", exclude={"version"}))
    return TrainingRun(
        examples=len(rows), won=won, trained=True, version=version, holdout_auc=holdout_auc, kind=model.kind
    )


def _training_rows(deps: TrainingDeps) -> tuple[list[dict[str, Value]], list[int]]:
    rows: list[dict[str, Value]] = []
    labels: list[int] = []
    cursor: str | None = None
    while len(rows) < MAX_EXAMPLES:
        page = deps.store.outcomes(limit=PAGE, cursor=cursor)
        for example in page.items:
            lead = deps.store.get_lead(example.lead_id)
            if lead is None or lead.merged_into is not None:
                continue  # merged away: its outcome lives on the survivor's
            routed_at = lead.assignment.assigned_at if lead.assignment else example.outcome.closed_at
            rows.append(lead_features(lead, min(routed_at, example.outcome.closed_at)))
            labels.append(1 if example.outcome.result == "won" else 0)
        cursor = page.cursor
        if cursor is None:
            break
    return rows, labels


def _holdout_auc(
    rows: list[dict[str, Value]], labels: list[int], kind: ModelKind, min_examples: int, min_per_class: int
) -> float | None:
    """ROC AUC of a model of the kind published, trained on 70% and scored on the other 30%, kept with the model so
    operators can see how much to trust it; None when the 70% alone is too small to train on."""
    split = stratified_split(rows, labels, HOLDOUT, SEED)
    try:
        model = train(
            split.train_rows,
            split.train_labels,
            target=TARGET,
            now=datetime.min,
            kind=kind,
            min_examples=min_examples,
            min_per_class=min_per_class,
        )
    except NotEnoughOutcomes:
        return None
    if len(set(split.test_labels)) < BOTH_OUTCOMES:
        return None
    return roc_auc(split.test_labels, [predict(model, row).probability for row in split.test_rows])
