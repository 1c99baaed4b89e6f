"""Report projections and the reports API's parameters and answers.

A lead's contribution to the reports is a set of counters in cells keyed by (dimension, day, value): the day is the
lead's capture day (UTC), so every report is a cohort of the leads captured in its range, and a lead's later steps
(an MQL a month on, a deal won) count on the day it was captured."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Generic, Literal, NamedTuple, TypeVar, get_args

from pydantic import BaseModel, Field, model_validator

#: The dimensions every lead is counted under. `all` has one value (`all`) and gives the totals and the time series.
Dimension = Literal[
    "all", "source", "medium", "campaign", "form", "grade", "rep", "team", "priority", "routing", "track"
]
DIMENSIONS: tuple[Dimension, ...] = get_args(Dimension)
#: What a report can be grouped by: a dimension, or the capture day, week (Monday) or month.
GroupBy = Literal[
    "source",
    "medium",
    "campaign",
    "form",
    "grade",
    "rep",
    "team",
    "priority",
    "routing",
    "track",
    "day",
    "week",
    "month",
]
TIME_GROUPS = frozenset({"day", "week", "month"})
#: The value a lead without one is counted under (no UTM source, no owner, ...).
NONE_VALUE = "(none)"
#: The longest range a report reads: a year, leap day included.
MAX_RANGE_DAYS = 366
#: The stages of the funnel, in order; a lead counts at every stage it reached.
FUNNEL_STAGES = ("mql", "sal", "sql", "opportunity", "customer")


class Cell(NamedTuple):
    dimension: str
    day: str  # ISO date, UTC
    value: str


Counters = dict[str, int]
Contribution = dict[Cell, Counters]


class ReportQuery(BaseModel):
    """`from`/`to`/`group_by` of every report: capture days, both ends included."""

    model_config = {"populate_by_name": True, "extra": "forbid"}

    from_: date = Field(alias="from", description="First capture day (UTC), included.")
    to: date = Field(description="Last capture day (UTC), included.")
    group_by: GroupBy = Field(default="source", description="A dimension, or day, week or month of capture.")

    @model_validator(mode="after")
    def _bounded(self) -> ReportQuery:
        if self.from_ > self.to:
            raise ValueError("`from` must not be after `to`")
        if (self.to - self.from_).days + 1 > MAX_RANGE_DAYS:
            raise ValueError(f"the range from `from` to `to` must be at most {MAX_RANGE_DAYS} days")
        return self

    def days(self) -> list[str]:
        span = (self.to - self.from_).days + 1
        return [(self.from_ + timedelta(days=offset)).isoformat() for offset in range(span)]


class Rate(BaseModel):
    numerator: int
    denominator: int
    rate: float | None = Field(description="numerator / denominator; null when the denominator is 0.")


class FunnelRow(BaseModel):
    group: str
    leads: int
    mql: int
    sal: int
    sql: int
    opportunity: int
    customer: int
    lost: int
    won_amount: float = Field(description="Sum of won deals' amounts (as recorded, whatever their currency).")
    disqualified: int
    disqualified_by_reason: dict[str, int]
    conversion: dict[str, Rate] = Field(
        description="Stage-to-stage conversion: lead_to_mql, mql_to_sql, sql_to_opportunity, opportunity_to_won."
    )


class LatencyFigures(BaseModel):
    count: int
    p50_seconds: float | None
    p90_seconds: float | None


class SpeedRow(BaseModel):
    group: str
    capture_to_assigned: LatencyFigures
    capture_to_first_touch: LatencyFigures


class SlaRow(BaseModel):
    group: str
    leads_with_sla: int
    met_in_time: int = Field(description="Leads whose first owner touched them before the deadline.")
    breached_leads: int
    turns: int = Field(description="Owner turns decided (a rep held the lead until a touch, a breach or the end).")
    turns_missed: int = Field(description="Turns that ended in a breach.")
    compliance: Rate = Field(description="Turns decided without a breach, of all turns decided.")
    breaches: int
    reassignments: int
    escalations: int


RowT = TypeVar("RowT", bound=BaseModel)


class Report(BaseModel, Generic[RowT]):
    from_: date = Field(serialization_alias="from")
    to: date
    group_by: str
    rows: list[RowT]
    total: RowT
    items_read: int = Field(description="Projection items the report read: bounded by days x groups, not leads.")


class Drill(BaseModel):
    """Where a number's leads are listed: `GET /v1/reports/leads` with these parameters."""

    dimension: str
    value: str
    counter: str
    from_: date = Field(serialization_alias="from")
    to: date


class Headline(BaseModel):
    id: str
    label: str
    value: float | None = Field(description="null when there is nothing to measure yet.")
    unit: Literal["seconds", "ratio", "leads"]
    target: float | None = None
    usual_low: float | None = None
    usual_high: float | None = None
    status: Literal["ok", "attention", "no_data"]
    explain: str = Field(description="What the number is and why it is flagged, in a sentence.")
    drill: Drill | None = None
    lead_ids: list[str] = Field(default_factory=list, description="The leads behind a live count (at most 50).")


class Headlines(BaseModel):
    as_of: date
    headlines: list[Headline]


class DrillItem(BaseModel):
    lead_id: str
    day: date = Field(description="The lead's capture day.")


class DrillPage(BaseModel):
    items: list[DrillItem]
    next_cursor: str | None = None


class CohortWindow(BaseModel):
    days: int
    mature: bool = Field(description="Whether every lead of the group was captured at least this many days ago.")
    mql: Rate
    sql: Rate
    customer: Rate


class CohortRow(BaseModel):
    group: str
    leads: int
    windows: list[CohortWindow] = Field(description="Conversion within 7, 30 and 90 days of capture.")


class AttributionRow(BaseModel):
    group: str = Field(description="A channel: a touch's UTM source, or the provider of an engagement event.")
    opportunities: float = Field(description="Opportunities credited to the channel (fractions under multi-touch).")
    won_amount: float = Field(description="Won amount credited to the channel.")


class StageTime(BaseModel):
    stage: str
    left: int = Field(description="Leads that left the stage (their stay is complete).")
    average_days: float | None


class VelocityRow(BaseModel):
    group: str
    opportunities: int
    won: int
    lost: int
    win_rate: Rate
    average_deal: float | None
    average_cycle_days: float | None = Field(description="Capture to won deal, on average.")
    velocity_per_day: float | None = Field(
        description="Pipeline velocity: opportunities x win rate x average deal / average cycle days."
    )
    days_in_stage: list[StageTime]
    spend: float | None = Field(default=None, description="Spend in the range (by source only, from `spend`).")
    cost_per_mql: float | None = None
    cost_per_sql: float | None = None


class Arm(BaseModel):
    name: str
    successes: int
    trials: int
    rate: float | None


class Comparison(BaseModel):
    control: str
    challenger: str
    difference: float | None = Field(description="The challenger's rate minus the control's.")
    z: float | None
    p_value: float | None = Field(description="Two-sided, two-proportion z-test; null without enough data.")
    significant: bool = Field(description="p < 0.05.")


class Experiment(BaseModel):
    kind: Literal["nurture_variant", "routing_version"]
    id: str = Field(description="`<track>/<step>` for a nurture step's variants; `routing` for rule versions.")
    metric: str = Field(description="What the rate counts, e.g. `clicked/sent`, `mql/sent`, `sql/mql`.")
    arms: list[Arm]
    comparisons: list[Comparison] = Field(description="Each arm against the first (the control).")


class Experiments(BaseModel):
    from_: date = Field(serialization_alias="from")
    to: date
    experiments: list[Experiment]
