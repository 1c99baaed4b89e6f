"""Daily: re-open the disqualified leads whose reason's recycle delay has passed, as `recycled` with the
re-engagement flag, reading only the due index."""

from leadflow import wiring
from leadflow.services.lifecycle import recycle_due_leads
from leadflow.step_handler import scheduled_job_handler

handler = scheduled_job_handler(
    recycle_due_leads,
    wiring.recycle_deps,
    counts={"LeadsRecycled": lambda recycled: recycled},
    log=lambda recycled: ("info", "recycled due leads"),
    summary=lambda recycled: {"recycled": recycled},
)
