"""Scheduled hourly: re-score the leads whose engagement decayed out of the MQL cells (read from the due index)."""

from leadflow import wiring
from leadflow.services.decay import decay_due_leads
from leadflow.step_handler import scheduled_job_handler

handler = scheduled_job_handler(
    decay_due_leads,
    wiring.decay_deps,
    counts={"LeadsDecayChecked": lambda run: run.visited, "MqlsDemoted": lambda run: run.demoted},
    log=lambda run: ("info", "decay run"),
)
