"""The base of every configured entry (a rule, a rep, a team, a reason code): unknown keys are refused, and any error
is reported under the entry's id, because the person fixing a YAML file needs to find the entry.

Its own module, so that every rule-set module can use it without importing another (rules.py imports them all)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ModelWrapValidatorHandler, ValidationError, model_validator


def describe_errors(exc: ValidationError) -> str:
    """pydantic's errors as one line: `field: message; ...`."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def first_repeated(values: Iterable[str]) -> str | None:
    """The first value seen a second time (ids that must be unique), None when all are distinct."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


class NamedEntry(BaseModel):
    """A configured entry: `_entry_kind` names what it is in errors, `_id_key` the field that identifies it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    _entry_kind: ClassVar[str] = "entry"
    _id_key: ClassVar[str] = "id"

    @model_validator(mode="wrap")
    @classmethod
    def _name_the_entry(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        entry_id = data.get(cls._id_key) if isinstance(data, dict) else getattr(data, cls._id_key, None)
        try:
            entry = handler(data)
            entry.check()
        except ValidationError as exc:
            raise ValueError(f"{cls._entry_kind} {entry_id!r}: {describe_errors(exc)}") from None
        except ValueError as exc:
            raise ValueError(f"{cls._entry_kind} {entry_id!r}: {exc}") from None
        return entry

    def check(self) -> None:
        """Checks across fields, run after the fields are valid; raise ValueError to reject the entry."""
