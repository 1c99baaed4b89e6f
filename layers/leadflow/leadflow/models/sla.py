"""SLA timers: the configured response time per priority (kind "sla"), the touch request, and the state the SlaTimer
state machine passes between its steps. What a lead keeps of its timer and its first touch is in lead_sla.

Errors in the configuration name the entry (`priority 'A1'`, `business_hours.start`), because the person fixing a
YAML file needs to find it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from leadflow.models.lead_sla import TouchType
from leadflow.models.working_hours import WorkingHours

DEFAULT_PRIORITY = "default"

_DURATION = re.compile(r"^\s*(\d+)\s+(business\s+)?(minutes?|hours?)\s*$", re.IGNORECASE)
_CELL = re.compile(r"^[ABCD][1-4]$")


class SlaTarget(BaseModel):
    """A response time: `5 minutes`, `1 hour`, `4 business hours` (business time counts only opening hours)."""

    model_config = ConfigDict(frozen=True)

    minutes: int = Field(gt=0)
    business: bool = False

    @classmethod
    def parse(cls, text: str) -> SlaTarget:
        match = _DURATION.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"{text!r} is not a response time; write e.g. '5 minutes', '1 hour', '4 business hours'")
        amount = int(match.group(1))
        if amount <= 0:
            raise ValueError(f"{text!r}: a response time must be more than 0")
        unit = match.group(3).lower()
        return cls(minutes=amount * (60 if unit.startswith("hour") else 1), business=bool(match.group(2)))

    def describe(self) -> str:
        """The target as it would be written in sla.yaml."""
        amount, unit = (self.minutes // 60, "hour") if self.minutes % 60 == 0 else (self.minutes, "minute")
        return f"{amount} {'business ' if self.business else ''}{unit}{'s' if amount != 1 else ''}"


class SlaRules(BaseModel):
    """The SLA configuration: a response time per priority (grade cells such as `A1`, or `A2/B1` for several), a
    `default` for every other lead, business hours, how many times an untouched lead is reassigned before it is
    escalated, and who is escalated to when the roster names no manager for the rep."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=0, description="Set by the config store when a rule set is published.")
    priorities: dict[str, SlaTarget] = Field(default_factory=dict)
    default: SlaTarget
    business_hours: WorkingHours = Field(default_factory=WorkingHours)
    max_reassignments: int = Field(default=2, ge=0, le=10)
    escalate_to: str = Field(min_length=1, description="Manager id notified when the roster names none for the rep.")

    @field_validator("default", mode="before")
    @classmethod
    def _parse_default(cls, value: Any) -> Any:
        return SlaTarget.parse(value) if isinstance(value, str) else value

    @field_validator("priorities", mode="before")
    @classmethod
    def _parse_priorities(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        parsed: dict[str, SlaTarget] = {}
        seen: dict[str, str] = {}
        for name, target in value.items():
            cells = str(name).split("/")
            for cell in cells:
                if not _CELL.match(cell):
                    raise ValueError(f"priority {name!r}: {cell!r} is not a grade cell (A1 .. D4)")
                if cell in seen:
                    raise ValueError(f"priority {name!r}: cell {cell} is already given by priority {seen[cell]!r}")
                seen[cell] = str(name)
            try:
                parsed[str(name)] = (
                    SlaTarget.parse(target) if isinstance(target, str) else SlaTarget.model_validate(target)
                )
            except ValueError as exc:
                raise ValueError(f"priority {name!r}: {exc}") from None
        return parsed

    @field_serializer("default")
    def _dump_default(self, value: SlaTarget) -> str:
        return value.describe()

    @field_serializer("priorities")
    def _dump_priorities(self, value: dict[str, SlaTarget]) -> dict[str, str]:
        return {name: target.describe() for name, target in value.items()}

    def priority_for(self, cell: str | None) -> tuple[str, SlaTarget]:
        """The priority name and response time for a lead in grade cell `cell` (None: not scored)."""
        for name, target in self.priorities.items():
            if cell is not None and cell in name.split("/"):
                return name, target
        return DEFAULT_PRIORITY, self.default


class TouchRequest(BaseModel):
    """POST /v1/leads/{id}/touch: what the rep did, who they are, and when (default: now)."""

    model_config = ConfigDict(extra="forbid")

    type: TouchType = Field(description="`call`, `email` or `meeting`.")
    actor: Annotated[str, Field(min_length=1, max_length=200, description="Who touched the lead: a rep id.")]
    at: datetime | None = Field(default=None, description="When (ISO 8601 with a zone); default: now.")

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a time zone, e.g. 2026-11-23T09:30:00Z")
        return value


SlaDecision = Literal["wait", "reassign", "escalate", "end"]


def wait_timestamp(moment: datetime) -> str:
    """A Wait state's TimestampPath value: UTC, whole seconds, `Z` (the form Step Functions documents)."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class SlaTimerState(BaseModel):
    """What the SlaTimer state machine passes between its steps; `decision` chooses the next state."""

    lead_id: str
    rep_id: str
    timer_id: str = Field(description="The execution's id ($$.Execution.Id): the lead's timer is owned by one.")
    deadline: datetime | None = None
    decision: SlaDecision = "wait"
    reason: str | None = None

    @field_serializer("deadline")
    def _dump_deadline(self, value: datetime | None) -> str | None:
        return wait_timestamp(value) if value is not None else None


SlaAction = Literal["start", "check", "reassign", "escalate"]


class SlaStep(BaseModel):
    """The SLA function's input: which step (`action`) and the timer state."""

    action: SlaAction
    timer: SlaTimerState
