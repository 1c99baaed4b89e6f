"""Nurture through the API: enrol a lead in a track by hand, remove it from its tracks, and read a track's A/B
results (`POST/DELETE /v1/leads/{id}/nurture`, `GET /v1/nurture/tracks/{id}/stats`)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from leadflow.api.deps import UseCase
from leadflow.api.errors import API_KEY, WITH_BODY, error_response, responses
from leadflow.api.params import LeadId
from leadflow.models.enrolment import Enrolment
from leadflow.models.nurture_stats import TrackStats
from leadflow.models.nurture_steps import STEP_ID_PATTERN
from leadflow.services.nurture import CannotEnrol, UnknownTrack, end_enrolments, enrol
from leadflow.services.nurture_deps import NurtureDeps
from leadflow.services.nurture_stats import track_stats

router = APIGatewayRouter()

NURTURE = UseCase[NurtureDeps]("nurture")
TrackId = Annotated[str, Path(pattern=STEP_ID_PATTERN, max_length=64, description="The track's id.")]


class EnrolRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    track: Annotated[str, Field(pattern=STEP_ID_PATTERN, max_length=64, description="The track to enrol the lead in.")]


class Enrolments(BaseModel):
    enrolments: list[Enrolment] = Field(description="The enrolments this request began or ended.")


@router.post(
    "/v1/leads/<lead_id>/nurture",
    summary="Enrol the lead in a nurture track",
    description="Begins an enrolment in the track (of the active nurture rule set), whatever its entry conditions: "
    "a person's choice. Refused (409) when the lead may not be mailed, was merged away, or is in the track already.",
    responses=responses(
        Enrolments, "The enrolment begun.", *WITH_BODY, 403, 404, 409, success=201, e404="No such lead."
    ),
    security=API_KEY,
    tags=["nurture"],
)
def enrol_lead(lead_id: LeadId, request: Annotated[EnrolRequest, Body()]) -> Response[str]:
    deps = NURTURE.deps()
    now = deps.clock.now()
    enrolment = enrol(lead_id, "manual", now, deps, ref=f"api:{now.isoformat()}", track_id=request.track)
    assert enrolment is not None  # a named track either enrols or raises
    body = Enrolments(enrolments=[enrolment]).model_dump_json()
    return Response(status_code=201, content_type="application/json", body=body)


@router.delete(
    "/v1/leads/<lead_id>/nurture",
    summary="Remove the lead from its nurture tracks",
    description="Ends the lead's active enrolments (only the one in `track` when given), reason `removed`: their "
    "executions stop and no email of them follows. Nothing active: an empty list.",
    responses=responses(Enrolments, "The enrolments ended.", 403, 404, e404="No such lead."),
    security=API_KEY,
    tags=["nurture"],
)
def remove_lead(
    lead_id: LeadId,
    track: Annotated[str | None, Query(pattern=STEP_ID_PATTERN, max_length=64, description="Only this track.")] = None,
) -> Enrolments:
    deps = NURTURE.deps()
    if deps.store.get_lead(lead_id) is None:
        raise NotFoundError(f"lead_id: no lead {lead_id}")
    return Enrolments(enrolments=end_enrolments(lead_id, deps, reason="removed", track_id=track))


@router.get(
    "/v1/nurture/tracks/<track_id>/stats",
    summary="A nurture track's results per step and variant",
    description="Enrolled, sent, opened, clicked, became MQL within the window, exited by reason: kept by events, "
    "so reading them never scans leads. Steps are those of the active version of the track.",
    responses=responses(TrackStats, "The track's results.", 403, 404, e404="No such track."),
    security=API_KEY,
    tags=["nurture"],
)
def get_track_stats(track_id: TrackId) -> TrackStats:
    stats = track_stats(track_id, NURTURE.deps())
    if stats is None:
        raise NotFoundError(f"track_id: no nurture track {track_id!r}")
    return stats


@router.exception_handler(UnknownTrack)
def _unknown_track(exc: UnknownTrack) -> Response[str]:
    return error_response(422, str(exc), [{"field": "track", "message": str(exc), "type": "value_error"}])


@router.exception_handler(CannotEnrol)
def _cannot_enrol(exc: CannotEnrol) -> Response[str]:
    return error_response(409, str(exc))
