"""How an API route is handed the deps of its use case.

A route module declares a UseCase per thing its routes do (`CONSENT = UseCase[LeadChangeDeps]("consent")`); the
function's app.py hands api_handler one `provide(use case, its wiring)` per use case its routes serve; for each
request api_handler makes those the provided ones, and a route asks `CONSENT.deps()`. The routes never build an
adapter, so they run unchanged on AWS, in the local runtime and over in-memory twins.

A context variable rather than the resolver's `context` dict: a router is module-level and may be included in more
than one resolver (the OpenAPI document includes every router), which repoints the router's `context` at the last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

DepsT = TypeVar("DepsT")


class DepsNotProvided(LookupError):
    """A route asked for a use case its function's app.py does not provide: a wiring mistake, found by
    tests/infra/test_functions.py before it can reach a request."""


class UseCase(Generic[DepsT]):
    """One thing a route does, keyed by name, typed by the deps it works with."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"UseCase({self.name!r})"

    def deps(self) -> DepsT:
        """The deps the serving function's wiring builds for this use case (its adapters are built once per cold
        start; the clock is read each time, as the local runtime's virtual clock may have moved)."""
        factory = _PROVIDED.get().get(self.name)
        if factory is None:
            raise DepsNotProvided(f"this function provides no deps for the {self.name!r} use case")
        deps: DepsT = factory()
        return deps


Provided = tuple[UseCase[Any], Callable[[], Any]]

_PROVIDED: ContextVar[dict[str, Callable[[], Any]]] = ContextVar("leadflow_api_deps", default={})  # noqa: B039


def provide(use_case: UseCase[DepsT], factory: Callable[[], DepsT]) -> Provided:
    """Pair a use case with the wiring that builds its deps; the type checker holds the factory to the use case's
    deps type."""
    return use_case, factory


@contextmanager
def providing(provided: Iterable[Provided]) -> Iterator[None]:
    """Within the block, routes asking for these use cases get these factories' deps."""
    token = _PROVIDED.set({use_case.name: factory for use_case, factory in provided})
    try:
        yield
    finally:
        _PROVIDED.reset(token)
