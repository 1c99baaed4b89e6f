"""The `nurture` rule set: the tracks a lead not ready for sales is enrolled in (who enters, on what cause, and the
steps), the auto-responses sent on capture, the email templates both use, and the global sending limits.

Validated in full before it is published: a track naming an unknown template or step, a loop that never waits, or an
unknown field is refused, each error naming the track and step (`track 'welcome': step 'intro': unknown template
'x'`). The steps themselves are in leadflow.models.nurture_steps and re-exported here."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    field_validator,
    model_validator,
)

from leadflow.models.config_entry import NamedEntry, first_repeated
from leadflow.models.lifecycle import Code
from leadflow.models.mail_template import MailTemplate, TemplateId
from leadflow.models.nurture_limits import NurtureLimits, QuietHours
from leadflow.models.nurture_steps import (
    SINCE_ENROLMENT,
    STEP_TYPES,
    BranchArm,
    BranchStep,
    BranchTest,
    EmailStep,
    EndStep,
    EnrolStep,
    FlowingStep,
    NotifyOwnerStep,
    SetFieldStep,
    Step,
    StepId,
    TrackId,
    Variant,
    WaitStep,
    successors,
)
from leadflow.models.routing import CUSTOM_FIELD_PREFIX, ROUTING_FIELDS, Condition, FieldKind

__all__ = [
    "NURTURE_FIELDS",
    "Autoresponder",
    "BranchArm",
    "BranchStep",
    "BranchTest",
    "EmailStep",
    "EndStep",
    "EnrolStep",
    "EnrolmentCause",
    "FlowingStep",
    "NotifyOwnerStep",
    "NurtureLimits",
    "NurtureRuleSet",
    "QuietHours",
    "Reentry",
    "SetFieldStep",
    "Step",
    "StepId",
    "Track",
    "TrackEntry",
    "TrackId",
    "Variant",
    "WaitStep",
]

EnrolmentCause = Literal["scored_below_mql", "recycled", "disqualified", "manual"]
#: The lead facts a track's entry may test: routing's, and the stage, the form, and the title's seniority and
#: department; any `fields.<name>` too.
NURTURE_FIELDS: dict[str, FieldKind] = {
    **ROUTING_FIELDS,
    "stage": "text",
    "form_id": "text",
    "seniority": "text",
    "department": "text",
}
MAX_STEPS = 100


class Reentry(BaseModel):
    """A lead may enter the track again `after_days` after its last enrolment in it began."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    after_days: int = Field(ge=1, le=3650)


class TrackEntry(BaseModel):
    """Who enters: the `cause` (a score below MQL, a recycle, a disqualification with one of `reasons` (none: any),
    or an explicit enrolment) and, optionally, conditions on the lead's facts as routing takes them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cause: EnrolmentCause
    reasons: list[Code] = Field(default_factory=list)
    when: dict[str, Condition] = Field(default_factory=dict)

    @field_validator("when")
    @classmethod
    def _fields_are_known(cls, value: dict[str, Condition]) -> dict[str, Condition]:
        for name in value:
            custom = name.startswith(CUSTOM_FIELD_PREFIX) and len(name) > len(CUSTOM_FIELD_PREFIX)
            if name not in NURTURE_FIELDS and not custom:
                known = ", ".join(NURTURE_FIELDS)
                raise ValueError(f"unknown field {name!r}; expected one of: {known}, or fields.<name>")
        return value

    @model_validator(mode="after")
    def _reasons_need_a_disqualification(self) -> Self:
        if self.reasons and self.cause != "disqualified":
            raise ValueError(f"reasons apply to cause 'disqualified' only, not {self.cause!r}")
        return self


class Track(NamedEntry):
    """A nurture program: `entry` decides who enters (`priority`: higher wins when several match), `steps` run from
    the first. One active enrolment per lead unless `concurrent`; `reentry` says whether a lead may come back."""

    _entry_kind: ClassVar[str] = "track"

    id: TrackId
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=2000)] = ""
    priority: int = Field(default=0, ge=-1000, le=1000)
    entry: TrackEntry
    reentry: Literal["never"] | Reentry = "never"
    concurrent: bool = False
    steps: Annotated[list[Step], Field(min_length=1, max_length=MAX_STEPS)]

    @model_validator(mode="wrap")
    @classmethod
    def _name_the_entry(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        # As NamedEntry's, but a step's error reads `track 'a': step 'b': ...`, without pydantic's path to the step.
        track_id = data.get("id") if isinstance(data, dict) else getattr(data, "id", None)
        try:
            track = handler(data)
            track.check()
        except ValidationError as exc:
            raise ValueError(f"track {track_id!r}: {_describe(exc, data)}") from None
        except ValueError as exc:
            raise ValueError(f"track {track_id!r}: {exc}") from None
        return track

    def check(self) -> None:
        if (step_id := first_repeated(step.id for step in self.steps)) is not None:
            raise ValueError(f"step {step_id!r}: the id is used by more than one step; step ids must be unique")
        ids = {step.id for step in self.steps}
        for step in self.steps:
            for target in _targets(step):
                if target not in ids:
                    raise ValueError(f"step {step.id!r}: goes to missing step {target!r}")
        if (loop := self._loop_without_wait()) is not None:
            path = " -> ".join([*loop, loop[0]])
            raise ValueError(
                f"step {loop[0]!r}: loops back without a wait ({path}); put a wait with a duration in the loop"
            )

    def step(self, step_id: str) -> Step:
        """The step with this id; KeyError when the track has none (a track version without it)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"track {self.id!r} has no step {step_id!r}")

    def next_of(self, step_id: str) -> str | None:
        """The step after `step_id`: its `next`, else the one listed after it; None after the last, and for a
        branch (its arms decide), enrol or end."""
        position = next(index for index, step in enumerate(self.steps) if step.id == step_id)
        step = self.steps[position]
        if isinstance(step, BranchStep | EnrolStep | EndStep):
            return None
        following = self.steps[position + 1].id if position + 1 < len(self.steps) else None
        return step.next or following

    def _loop_without_wait(self) -> list[str] | None:
        """A cycle of steps none of which lets time pass, as the list of its steps; None when there is none."""
        following = {step.id: later.id for step, later in zip(self.steps, self.steps[1:], strict=False)}
        graph = {
            step.id: successors(step, following.get(step.id))
            for step in self.steps
            if not (isinstance(step, WaitStep) and step.delays)
        }
        done: set[str] = set()

        def visit(node: str, path: list[str]) -> list[str] | None:
            if node in path:
                return path[path.index(node) :]
            if node in done or node not in graph:
                return None
            for target in graph[node]:
                if (loop := visit(target, [*path, node])) is not None:
                    return loop
            done.add(node)
            return None

        return next((loop for node in graph if (loop := visit(node, [])) is not None), None)


def _targets(step: Step) -> list[str]:
    """The step ids a step names (not the implicit following step)."""
    if isinstance(step, BranchStep):
        named = [*(arm.next for arm in step.arms), step.otherwise]
        return named + [arm.when.since for arm in step.arms if arm.when.since != SINCE_ENROLMENT]
    if isinstance(step, EnrolStep | EndStep):
        return []
    return [step.next] if step.next is not None else []


def _describe(exc: ValidationError, data: Any) -> str:
    """pydantic's errors as one line; a step's own errors already start `step '<id>'`, others are given its id."""
    problems = []
    for error in exc.errors():
        loc = error["loc"]
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] in {"union_tag_invalid", "union_tag_not_found"}:
            message = f"type must be one of {', '.join(STEP_TYPES)}"
        if loc and loc[0] == "steps" and len(loc) > 1 and isinstance(loc[1], int):
            if not message.startswith("step "):
                message = f"{_step_name(data, loc[1])}: {message}"
            problems.append(message)
            continue
        where = ".".join(str(part) for part in loc)
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def _step_name(data: Any, position: int) -> str:
    steps = data.get("steps") if isinstance(data, dict) else None
    raw = steps[position] if isinstance(steps, list) and position < len(steps) else None
    step_id = raw.get("id") if isinstance(raw, dict) else None
    return f"step {step_id!r}" if step_id is not None else f"step {position + 1}"


class Autoresponder(NamedEntry):
    """The confirmation sent within seconds of a submission of `form_id`: a transactional template, so it goes even
    without marketing consent (never to a suppressed address, at most once per form per lead per day)."""

    _entry_kind: ClassVar[str] = "autoresponder"
    _id_key: ClassVar[str] = "form_id"

    form_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
    template: TemplateId


class NurtureRuleSet(BaseModel):
    """The nurture configuration: limits, auto-responses per form, the templates (`templates/<id>.yaml`, loaded
    into `templates` by id) and the tracks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=0, description="Set by the config store when a rule set is published.")
    limits: NurtureLimits = Field(default_factory=NurtureLimits)
    autoresponders: list[Autoresponder] = Field(default_factory=list)
    templates: dict[TemplateId, MailTemplate] = Field(default_factory=dict)
    tracks: list[Track] = Field(default_factory=list)

    @field_validator("templates", mode="before")
    @classmethod
    def _ids_from_keys(cls, value: Any) -> Any:
        # A template file holds no id: its name (the key here) is the id.
        if not isinstance(value, dict):
            return value
        return {key: {"id": key, **body} if isinstance(body, dict) else body for key, body in value.items()}

    @model_validator(mode="after")
    def _references_hold(self) -> Self:
        problems = [
            *_repeated("track", [track.id for track in self.tracks]),
            *_repeated("autoresponder for form", [responder.form_id for responder in self.autoresponders]),
            *(f"template {key!r}: holds template id {t.id!r}" for key, t in self.templates.items() if key != t.id),
        ]
        track_ids = {track.id for track in self.tracks}
        for track in self.tracks:
            for step in track.steps:
                where = f"track {track.id!r}: step {step.id!r}"
                if isinstance(step, EmailStep):
                    problems += [f"{where}: {problem}" for problem in self._marketing_problems(step.templates)]
                elif isinstance(step, EnrolStep) and step.track not in track_ids:
                    problems.append(f"{where}: enrols in unknown track {step.track!r}")
                elif isinstance(step, EnrolStep) and step.track == track.id:
                    problems.append(f"{where}: enrols in its own track; hand over to another track")
        for responder in self.autoresponders:
            template = self.templates.get(responder.template)
            where = f"autoresponder {responder.form_id!r}"
            if template is None:
                problems.append(f"{where}: unknown template {responder.template!r}")
            elif template.kind != "transactional":
                problems.append(
                    f"{where}: template {template.id!r} is marketing; an auto-response must be a transactional one"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _marketing_problems(self, template_ids: list[str]) -> list[str]:
        problems = []
        for template_id in template_ids:
            template = self.templates.get(template_id)
            if template is None:
                problems.append(f"unknown template {template_id!r}")
            elif template.kind != "marketing":
                # A track's email needs consent and an unsubscribe link; a transactional template would skip both.
                problems.append(f"template {template_id!r} is transactional; a track sends marketing templates only")
        return problems

    def track(self, track_id: str) -> Track | None:
        return next((track for track in self.tracks if track.id == track_id), None)

    def autoresponder(self, form_id: str) -> Autoresponder | None:
        return next((responder for responder in self.autoresponders if responder.form_id == form_id), None)

    def template(self, template_id: str) -> MailTemplate:
        """The template with this id; KeyError when there is none (validation sees that every reference holds)."""
        return self.templates[template_id]


def _repeated(what: str, ids: list[str]) -> list[str]:
    repeated = first_repeated(ids)
    return [] if repeated is None else [f"{what} {repeated!r} is listed more than once; ids must be unique"]
