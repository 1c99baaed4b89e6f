"""The "spend" rule set: what each source cost per month, for the cost per qualified lead."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
SourceName = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class SpendRuleSet(BaseModel):
    """Spend per source (the `utm_source` leads carry, `(none)` for direct) and month (`YYYY-MM`), in `currency`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=0, description="Set by the config store when a rule set is published.")
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "EUR"
    monthly: dict[SourceName, dict[Month, Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]]] = Field(
        default_factory=dict, max_length=500
    )
