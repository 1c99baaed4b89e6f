"""Read-modify-write of a lead under optimistic concurrency: two pipeline runs for one person never lose an update."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from enum import Enum

from leadflow.models.lead import Lead
from leadflow.ports import ConcurrentUpdate, LeadRecords

MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 0.02  # first retry waits up to this; each further one doubles it (full jitter), ~2.5 s in all


class LeadNotFound(Exception):
    def __init__(self, lead_id: str) -> None:
        super().__init__(f"lead {lead_id} does not exist")
        self.lead_id = lead_id


class Unread(Enum):
    """The caller has not read the lead (update_lead reads it); None would mean it read it and found none."""

    UNREAD = "unread"


UNREAD = Unread.UNREAD


def update_lead(
    store: LeadRecords,
    lead_id: str,
    change: Callable[[Lead | None], Lead | None],
    *,
    as_read: Lead | Unread | None = UNREAD,
) -> Lead | None:
    """Apply `change` to the stored lead (None if absent) and save it; re-read and re-apply on a concurrent write.

    `change` returns None when there is nothing to write; the stored lead is then returned as it is. `as_read`: the
    lead as the caller has just read it (strongly consistent), tried first instead of reading it again; the save is
    conditional on its version, so a write made since is caught as any concurrent one.
    """
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            # Full jitter spreads writers racing for one lead (a burst of one person's submissions) so they succeed
            # in turn; past MAX_ATTEMPTS the step fails with ConcurrentUpdate and Step Functions retries it later.
            time.sleep(random.uniform(0, BACKOFF_SECONDS * 2 ** (attempt - 1)))  # noqa: S311 - not for security
        current = store.get_lead(lead_id) if attempt or as_read is UNREAD else as_read
        changed = change(current)
        if changed is None:
            return current
        try:
            return store.save_lead(changed, expected_version=current.version if current else None)
        except ConcurrentUpdate:
            continue
    raise ConcurrentUpdate(f"lead {lead_id} kept changing during {MAX_ATTEMPTS} attempts to update it")


def update_existing_lead(
    store: LeadRecords, lead_id: str, change: Callable[[Lead], Lead | None], *, as_read: Lead | None = None
) -> Lead:
    """As update_lead, for a lead that must exist (LeadNotFound otherwise); `as_read`, when given, is tried first."""

    def guarded(lead: Lead | None) -> Lead | None:
        if lead is None:
            raise LeadNotFound(lead_id)
        return change(lead)

    updated = update_lead(store, lead_id, guarded, as_read=UNREAD if as_read is None else as_read)
    assert updated is not None  # guarded() raised otherwise
    return updated
