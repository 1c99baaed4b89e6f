"""Enrich step: firmographics from the lead's email domain; free-mail domains marked."""

from leadflow import wiring
from leadflow.services.enrich_step import enrich_lead
from leadflow.step_handler import pipeline_step_handler

handler = pipeline_step_handler(enrich_lead, wiring.enrich_deps)
