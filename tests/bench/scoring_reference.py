"""scikit-learn's HistGradientBoostingClassifier on the same rows, as a yardstick for leadflow's own boosted trees,
when scikit-learn happens to be installed (it is no dependency of leadflow, and never goes in the layer).

It reads the columns the way leadflow's model does (its FeatureSpec): a numeric column as its number, a categorical
one as its level position, declared categorical so the library splits levels into sets as leadflow does."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from leadflow.domain.boosted_trees import record_inputs
from leadflow.domain.model_metrics import roc_auc
from leadflow.domain.predictive_features import CategoricalColumn, FeatureSpec, Record

__all__ = ["reference_auc"]


def reference_auc(
    spec: FeatureSpec,
    train_rows: Sequence[Record],
    train_labels: Sequence[int],
    test_rows: Sequence[Record],
    test_labels: Sequence[int],
) -> float | None:
    """ROC AUC on the test rows of the library's defaults trained on the train rows; None without scikit-learn."""
    try:
        ensemble: Any = importlib.import_module("sklearn.ensemble")
        numpy: Any = importlib.import_module("numpy")
    except ImportError:
        return None

    def matrix(rows: Sequence[Record]) -> Any:
        return numpy.array(
            [[numpy.nan if given is None else given for given in record_inputs(spec, row)] for row in rows],
            dtype=float,
        )

    categorical = [isinstance(column, CategoricalColumn) for column in spec.columns]
    model = ensemble.HistGradientBoostingClassifier(categorical_features=categorical, random_state=0)
    model.fit(matrix(train_rows), list(train_labels))
    scores = [float(p) for p in model.predict_proba(matrix(test_rows))[:, 1]]
    return roc_auc(test_labels, scores)
