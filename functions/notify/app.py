"""Notify step: queues the assigned rep's notification in the outbox."""

from leadflow import wiring
from leadflow.services.route_steps import notify
from leadflow.step_handler import pipeline_step_handler

handler = pipeline_step_handler(notify, wiring.notify_deps)
