"""Dedupe step: joins a submission to the lead that owns its canonical email, or creates that lead."""

from leadflow import wiring
from leadflow.services.dedupe import dedupe
from leadflow.step_handler import pipeline_step_handler

handler = pipeline_step_handler(dedupe, wiring.dedupe_deps)
