"""Score step of a submission's run: fit and behaviour from the active scoring rule set; MQL when the lead qualifies."""

from leadflow import wiring
from leadflow.services.score_steps import score
from leadflow.step_handler import pipeline_step_handler

handler = pipeline_step_handler(score, wiring.score_deps)
