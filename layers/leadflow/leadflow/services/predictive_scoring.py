"""What scoring reads of the predictive model: the published one (None before the first) and a lead's prediction by
it. The model's code and its pydantic models are imported only once a model is published: a Lambda's cold start pays
for every module imported, and most scoring runs on rules alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from leadflow.domain.predictive_model import PredictiveModel
    from leadflow.models.lead import Lead, Prediction
    from leadflow.ports import RuleSets

MODEL_KIND = "model"


def active_model(config: RuleSets) -> PredictiveModel | None:
    """The published model, with its store version; None before the first one (or if the stored one is unreadable:
    scoring must go on with rules alone rather than fail)."""
    found = config.active(MODEL_KIND)
    if found is None:
        return None
    from pydantic import ValidationError

    from leadflow.domain.predictive_model import PredictiveModel

    version, body = found
    try:
        return PredictiveModel.model_validate({**body, "version": version})
    except ValidationError:
        return None


def prediction_for(lead: Lead, model: PredictiveModel | None, now: datetime) -> Prediction | None:
    if model is None:
        return None
    from leadflow.domain.lead_features import lead_features
    from leadflow.domain.predictive_model import predict
    from leadflow.models.lead import Prediction

    predicted = predict(model, lead_features(lead, now))
    return Prediction(
        probability=round(predicted.probability, 4),
        reasons=[str(reason) for reason in predicted.reasons],
        model_version=model.version,
    )
