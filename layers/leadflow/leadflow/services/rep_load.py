"""A rep's load as counters in the config table: the leads they hold open and the new leads of their local day.

A module of its own: a step that gives a lead back (a demotion, an erasure, a merge) should not load the routing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadflow.ports import Counters


def open_counter(rep_id: str) -> str:
    return f"open#{rep_id}"


def daily_counter(rep_id: str, day: str) -> str:
    return f"daily#{rep_id}#{day}"


def release_owner(config: Counters, rep_id: str) -> None:
    """A lead left the rep (reassigned, or closed): one fewer open lead against their capacity."""
    config.decrement(open_counter(rep_id))
