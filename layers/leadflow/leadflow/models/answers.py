"""The answers every API function may give without reading a lead: the one error shape, and a form's acceptance.

A module of its own: a function that takes a form or a webhook should not build the models of a lead's views."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SubmissionAccepted(BaseModel):
    submission_id: str
    status: str = Field(default="accepted", description="Always `accepted`: the pipeline runs after the answer.")
    links: dict[str, str]


class ErrorBody(BaseModel):
    message: str
    errors: list[dict[str, object]] | None = None
