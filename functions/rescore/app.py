"""Rescore step: the first step of a lead.rescore_requested run; the lead scored again."""

from leadflow import wiring
from leadflow.services.score_steps import rescore
from leadflow.step_handler import pipeline_step_handler

handler = pipeline_step_handler(rescore, wiring.score_deps)
