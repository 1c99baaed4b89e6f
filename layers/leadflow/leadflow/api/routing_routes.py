"""Reps, teams and reassignment over HTTP, behind the API key: who can take leads now and how loaded they are
(`GET /v1/reps`, `GET /v1/teams`), and a manager's reassignment (`POST /v1/leads/{id}/reassign`). The roster itself is
published through `PUT /v1/config/reps`."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from leadflow.api.deps import UseCase
from leadflow.api.errors import API_KEY, WITH_BODY, error_response, responses
from leadflow.api.params import LeadId, lead_responses
from leadflow.domain.availability import local_day, outside_hours_reason, unavailable_reason
from leadflow.domain.routing import NoEligibleRep
from leadflow.models.lead import Lead
from leadflow.models.routing import Team
from leadflow.models.rules import RepRoster
from leadflow.services.pipeline_deps import RoutingDeps, active_ruleset
from leadflow.services.routing import (
    ReassignmentRefused,
    UnknownRep,
    daily_counter,
    open_counter,
    reassign_lead,
)

router = APIGatewayRouter()

# Reading the roster and reps' load, and a manager's reassignment.
ROUTING = UseCase[RoutingDeps]("routing")


class ReassignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: Annotated[str, Field(min_length=1, max_length=200, description="Who asks (a manager's id or email).")]
    reason: Annotated[str, Field(min_length=1, max_length=1000, description="Why, for the lead's history.")]
    to_rep: str | None = Field(
        default=None, min_length=1, max_length=64, description="The new owner; omitted: the routing rules choose."
    )


class RepStatus(BaseModel):
    rep_id: str
    name: str
    email: str
    active: bool
    available: bool = Field(description="Whether routing would consider the rep now (active, not out of office).")
    unavailable_reason: str | None = None
    within_working_hours: bool
    open_leads: int = Field(description="Open leads counted against `max_open`.")
    max_open: int | None
    new_today: int | None = Field(description="Leads given today (rep's time zone); null without a daily limit.")
    max_new_per_day: int | None
    teams: list[str]
    manager: str | None


class RepList(BaseModel):
    roster_version: int
    reps: list[RepStatus]


class TeamList(BaseModel):
    roster_version: int
    teams: list[Team]


@router.exception_handler(UnknownRep)
def _unknown_rep(exc: UnknownRep) -> Response[str]:
    return error_response(422, str(exc), [{"field": "to_rep", "message": str(exc), "type": "value_error"}])


@router.exception_handler(ReassignmentRefused)
def _refused(exc: ReassignmentRefused) -> Response[str]:
    return error_response(409, str(exc))


@router.exception_handler(NoEligibleRep)
def _nobody(exc: NoEligibleRep) -> Response[str]:
    return error_response(409, str(exc))


def _roster() -> RepRoster:
    return active_ruleset(ROUTING.deps().config, "reps", RepRoster)


@router.get(
    "/v1/reps",
    summary="The reps, whether they can take leads now, and their load",
    responses=responses(RepList, "The roster's reps.", 403, 503),
    security=API_KEY,
    tags=["routing"],
)
def list_reps() -> RepList:
    roster = _roster()
    config = ROUTING.deps().config
    now = ROUTING.deps().clock.now()
    reps = []
    for rep in roster.reps:
        why = unavailable_reason(rep, now)
        manager = roster.manager_of(rep.rep_id)
        daily = daily_counter(rep.rep_id, local_day(rep, now).isoformat())
        reps.append(
            RepStatus(
                rep_id=rep.rep_id,
                name=rep.name,
                email=rep.email,
                active=rep.active,
                available=why is None,
                unavailable_reason=why,
                within_working_hours=outside_hours_reason(rep, now) is None,
                open_leads=config.counter(open_counter(rep.rep_id)),
                max_open=rep.max_open,
                new_today=config.counter(daily) if rep.max_new_per_day else None,
                max_new_per_day=rep.max_new_per_day,
                teams=[team.id for team in roster.teams_of(rep.rep_id)],
                manager=manager.rep_id if manager else None,
            )
        )
    return RepList(roster_version=roster.version, reps=reps)


@router.get(
    "/v1/teams",
    summary="The teams: routing pools with member weights, and their managers",
    responses=responses(TeamList, "The roster's teams.", 403, 503),
    security=API_KEY,
    tags=["routing"],
)
def list_teams() -> TeamList:
    roster = _roster()
    return TeamList(roster_version=roster.version, teams=list(roster.teams))


@router.post(
    "/v1/leads/<lead_id>/reassign",
    summary="Give a lead a new owner: a named rep, or whoever the routing rules choose besides the current one",
    description=(
        "For managers. Without `to_rep` the routing rules choose anyone but the current owner (the fallback queue "
        "when nobody can take it). A named rep gets the lead whatever their capacity or hours, unless inactive. "
        "Announces `lead.reassigned` and `lead.assigned`; the lead's history keeps the actor and the reason."
    ),
    responses=lead_responses(
        "The lead with its new owner and `assignment` (why, candidates, who was skipped).",
        *WITH_BODY,
        409,
        503,
        e409="The lead is closed, or the named rep takes no leads; or nobody can take it.",
        e422="A field is missing, unknown or invalid (e.g. an unknown `to_rep`): `errors[].field` names it.",
    ),
    security=API_KEY,
    tags=["routing"],
)
def reassign(lead_id: LeadId, request: Annotated[ReassignRequest, Body()]) -> Lead:
    return reassign_lead(lead_id, ROUTING.deps(), actor=request.actor, reason=request.reason, to_rep=request.to_rep)
