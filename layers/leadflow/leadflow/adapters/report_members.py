"""What both report projections (DynamoDB and in memory) share about members, the drill-down from a number to its
leads: which member entries a change of contribution adds, changes or removes, and the opaque page cursor."""

from __future__ import annotations

import base64
import binascii

from leadflow.models.reports import Cell, Contribution

_CURSOR_PREFIX = "m1:"


def member_changes(before: Contribution, after: Contribution) -> list[tuple[Cell, frozenset[str]]]:
    """Each cell whose member entry for the lead must change: the counters it adds there now (empty: remove it)."""
    changes = []
    for cell in sorted(before.keys() | after.keys()):
        old = frozenset(name for name, n in before.get(cell, {}).items() if n)
        new = frozenset(name for name, n in after.get(cell, {}).items() if n)
        if old != new:
            changes.append((cell, new))
    return changes


def write_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{sort_key}".encode()).decode()


def read_cursor(cursor: str) -> str:
    """The sort key a cursor of ours carries; ValueError for anything else."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("not a cursor of this listing") from exc
    if not text.startswith(_CURSOR_PREFIX) or "#" not in text:
        raise ValueError("not a cursor of this listing")
    return text.removeprefix(_CURSOR_PREFIX)
