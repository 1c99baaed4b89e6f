"""Who may own a lead: a rep, or a queue (a lead waiting for a person to pick it up), told apart by the id's prefix.

A module of its own: a lead names its owner, and reading a lead should not build the routing rules' models."""

from __future__ import annotations

QUEUE_PREFIX = "queue:"
QUEUE_PATTERN = r"^queue:[a-z0-9][a-z0-9_-]{0,63}$"


def is_queue(owner_id: str | None) -> bool:
    """Whether an owner id is a queue (a lead waiting for a person to pick it up), not a rep."""
    return owner_id is not None and owner_id.startswith(QUEUE_PREFIX)
