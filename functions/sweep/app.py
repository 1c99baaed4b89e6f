"""Scheduled every 5 minutes: republish submissions still `received` long after they were accepted (due index)."""

from leadflow import wiring
from leadflow.services.sweep import sweep_stuck_submissions
from leadflow.step_handler import scheduled_job_handler

handler = scheduled_job_handler(
    sweep_stuck_submissions,
    wiring.sweep_deps,
    counts={"SubmissionsRepublished": lambda run: run.republished, "SubmissionsGivenUp": lambda run: run.given_up},
    # A quiet run is the normal case: only a run that found stuck submissions is worth a line.
    log=lambda run: ("warning", "stuck submissions swept") if run.republished or run.given_up else None,
)
