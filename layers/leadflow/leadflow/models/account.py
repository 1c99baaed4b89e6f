"""An account: the company a lead works for, keyed by its email domain, holding its buying committee's leads."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Account(BaseModel):
    account_id: str = Field(description="The company's email domain, e.g. `snowflake.com`.")
    name: str | None = None
    industry: str | None = None
    employees: int | None = None
    country: str | None = None
    owner_id: str | None = Field(default=None, description="The rep who owns the account, when one does.")
    created_at: datetime
