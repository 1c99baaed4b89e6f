"""A nurture track's results, as `GET /v1/nurture/tracks/{id}/stats` answers them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class VariantStats(BaseModel):
    variant: str
    sent: int
    opened: int
    clicked: int
    mql: int = Field(description="Leads that saw this variant and became an MQL within the window of enrolment.")


class StepStats(BaseModel):
    step_id: str
    type: str
    sent: int
    opened: int
    clicked: int
    render_failed: int
    send_failed: int
    variants: list[VariantStats] = Field(default_factory=list)


class TrackStats(BaseModel):
    track_id: str
    enrolled: int
    completed: int = Field(description="Enrolments that ran to the track's end.")
    became_mql: int = Field(description="Enrolled leads that became an MQL within `mql_window_days` of enrolment.")
    mql_window_days: int
    exited: dict[str, int] = Field(
        description="Enrolments that stopped early, by reason (became_mql, unsubscribed, ...)."
    )
    steps: list[StepStats]
