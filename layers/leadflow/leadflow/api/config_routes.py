"""Rule sets as data, over HTTP: read the active version, publish a new one (`GET/PUT /v1/config/{kind}`).

A new version is validated in full before it is stored; an invalid one is refused with every problem named by rule,
and the version before stays active, so a typo in a regular expression never reaches the pipeline."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, Field, ValidationError

from leadflow.api.deps import UseCase
from leadflow.api.errors import API_KEY, WITH_BODY, error_response, responses
from leadflow.models.rules import RULESET_KINDS, parse_ruleset
from leadflow.ports import ConfigStore
from leadflow.services.routing import routing_reference_problems

router = APIGatewayRouter()

RULE_SETS = UseCase[ConfigStore]("rule_sets")

Kind = Annotated[
    str,
    Path(pattern=r"^[a-z]{1,32}$", max_length=32, description="The rule set: " + ", ".join(RULESET_KINDS) + "."),
]


class ConfigDocument(BaseModel):
    kind: str
    version: int = Field(description="The active version; every decision records the version it used.")
    body: dict[str, Any]


class Published(BaseModel):
    kind: str
    version: int


def _known(kind: str) -> None:
    if kind not in RULESET_KINDS:
        raise NotFoundError(f"kind: no rule set {kind!r}; expected one of: {', '.join(RULESET_KINDS)}")


@router.get(
    "/v1/config/<kind>",
    summary="The active version of a rule set",
    responses=responses(
        ConfigDocument,
        "The active version.",
        403,
        404,
        e404="No such kind, or none of it published yet.",
    ),
    security=API_KEY,
    tags=["config"],
)
def get_config(kind: Kind) -> ConfigDocument:
    _known(kind)
    found = RULE_SETS.deps().active(kind)
    if found is None:
        raise NotFoundError(f"kind: no {kind} rule set has been published yet")
    version, body = found
    return ConfigDocument(kind=kind, version=version, body=body)


@router.put(
    "/v1/config/<kind>",
    summary="Publish a new version of a rule set",
    description="The whole rule set, as in infra/config/<kind>.yaml (in JSON). Validated before it is stored: an "
    "invalid rule set is refused with 422, each problem naming its rule, and the active version stays.",
    responses=responses(
        Published,
        "Published and active.",
        *WITH_BODY,
        403,
        404,
        e404="No such kind.",
        e422="Invalid: each problem names its rule; the active version stays.",
    ),
    security=API_KEY,
    tags=["config"],
)
def put_config(kind: Kind, body: Annotated[dict[str, Any], Body()]) -> Published:
    _known(kind)
    document = {key: value for key, value in body.items() if key != "version"}  # the store numbers versions
    parse_ruleset(kind, document)  # InvalidRuleSet (422) below when it does not validate: nothing is stored
    # Routing rules name reps and teams of the roster, which parse_ruleset cannot see: checked here, both ways.
    problems = routing_reference_problems(kind, document, RULE_SETS.deps())
    if problems:
        raise UnknownReferences(problems)
    version = RULE_SETS.deps().publish(kind, document)
    return Published(kind=kind, version=version)


class UnknownReferences(Exception):
    """The rule set names reps or teams the other document lacks (routing rules vs the reps roster)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@router.exception_handler(UnknownReferences)
def _unknown_references(exc: UnknownReferences) -> Response[str]:
    errors = [{"field": "", "message": problem, "type": "value_error"} for problem in exc.problems]
    return error_response(422, f"invalid rule set, version not published: {'; '.join(exc.problems[:5])}", errors)


@router.exception_handler(ValidationError)
def _invalid_rule_set(exc: ValidationError) -> Response[str]:
    errors = [_described(error) for error in exc.errors()]
    summary = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors[:5])
    return error_response(422, f"invalid rule set, version not published: {summary}", errors)


def _described(error: Any) -> dict[str, Any]:
    field = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if error.get("type") == "missing":
        message = "required"
    elif error.get("type") == "extra_forbidden":
        message = "unknown key"
    return {"field": field, "message": message, "type": error.get("type")}
