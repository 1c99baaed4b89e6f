"""RecordEngagement step: the first step of an engagement.recorded run; the event recorded on its lead, re-scored."""

from leadflow import wiring
from leadflow.services.score_steps import record_engagement
from leadflow.step_handler import pipeline_step_handler

handler = pipeline_step_handler(record_engagement, wiring.score_deps)
