"""Route step: assigns an unowned MQL to a rep, round-robin with an atomic cursor."""

from leadflow import wiring
from leadflow.services.route_steps import route
from leadflow.step_handler import pipeline_step_handler

handler = pipeline_step_handler(route, wiring.route_deps)
