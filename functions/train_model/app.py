"""Scheduled weekly: train the predictive model on the recorded outcomes and publish it (or say why not yet)."""

from leadflow import wiring
from leadflow.services.predictive import retrain
from leadflow.step_handler import scheduled_job_handler

handler = scheduled_job_handler(
    retrain,
    wiring.training_deps,
    counts={"TrainingExamples": lambda run: run.examples},
    log=lambda run: (
        ("info", "predictive model published") if run.trained else ("warning", "predictive model not trained")
    ),
)
