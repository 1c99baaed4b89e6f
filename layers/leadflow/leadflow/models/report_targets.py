"""The "reports" rule set: the targets the dashboard's headline numbers are judged against."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReportTargets(BaseModel):
    """Targets for the headline numbers, and how many past weeks make a number's usual range."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=0, description="Set by the config store when a rule set is published.")
    speed_to_lead_minutes: float = Field(
        default=15, gt=0, le=60 * 24 * 30, description="Median capture to first touch should be at most this."
    )
    sla_compliance: float = Field(default=0.9, ge=0, le=1, description="Share of SLA turns met, at least.")
    mql_to_sql: float = Field(default=0.2, ge=0, le=1, description="Share of MQLs that become SQL, at least.")
    trailing_weeks: int = Field(
        default=8, ge=2, le=52, description="Weeks before this one whose range makes this week's leads usual."
    )
