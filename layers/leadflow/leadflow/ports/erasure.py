"""Erasure's own ports: every item of a person found and deleted, the suppression list and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol


@dataclass(frozen=True)
class Footprint:
    """Where one person's data is, in leadflow's terms: erasure and export derive every stored item from it.

    `lead_ids` is the person's lead and the leads merged into it (survivor first); identities are the canonical
    emails and E.164 phones the person gave; `engagement_events` are (provider, event id) of their webhook events;
    `notifications` are (rep id, notification id) of the outbox messages about them."""

    lead_ids: tuple[str, ...]
    submission_ids: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    match_keys: tuple[tuple[str, str], ...] = ()  # (lead id, blocking key)
    accounts: tuple[tuple[str, str], ...] = ()  # (account id, lead id)
    engagement_events: tuple[tuple[str, str], ...] = ()
    notifications: tuple[tuple[str, str], ...] = ()
    idempotency_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonalItem:
    """One stored item that names a person: its table (`leads`, `outbox` or `idempotency`), its key as the table
    spells it (opaque to services), and what kind of record it is (for counts)."""

    table: str
    key: tuple[str, ...]
    kind: str


ErasureStatus = Literal["in_progress", "done"]


@dataclass(frozen=True)
class ErasureRecord:
    """That a person is being, or was, erased: ids and counts only, never personal data. Written before the first
    deletion, so a retry of an erase that stopped half-way knows what it was doing."""

    lead_id: str  # the id this record is kept under
    person_id: str  # the surviving lead whose person is erased (the same id unless a merged-away lead was named)
    lead_ids: tuple[str, ...]
    status: ErasureStatus
    started_at: datetime
    erased_at: datetime | None = None
    counts: dict[str, int] | None = None


@dataclass(frozen=True)
class AuditEntry:
    """Who did what to whose data, without the data: an API key id or an actor, the action, the lead id, when."""

    at: datetime
    action: str
    lead_id: str
    actor: str
    api_key_id: str
    request_id: str


class PersonalDataStore(Protocol):
    """Every item of a person, found and deleted: the only way erasure touches the tables."""

    def items_of_person(self, footprint: Footprint) -> list[PersonalItem]:
        """The stored items the footprint names (only those that exist and belong to the person's leads), in the
        order they can be deleted: items found through others first, each lead's profile last (the survivor's
        after those merged into it), so that an erase stopped half-way can find the rest again from what is left."""

    def delete(self, item: PersonalItem) -> None:
        """Delete one item; deleting an item that is already gone is not an error."""

    def erasure(self, lead_id: str) -> ErasureRecord | None: ...

    def start_erasure(self, record: ErasureRecord) -> bool:
        """Keep the record only if none is kept under its lead id (one conditional write); False, and no change,
        when an erasure of that id was started before (a retry, or a concurrent request)."""

    def put_erasure(self, record: ErasureRecord) -> None: ...


SuppressionReason = Literal["unsubscribed", "bounced", "complained", "erased"]
SUPPRESSION_STRENGTH: dict[str, int] = {"unsubscribed": 0, "bounced": 1, "complained": 2, "erased": 3}
"""A stronger reason replaces a weaker one, never the reverse: an erased person stays erased whatever mail says
later. Only an `unsubscribed` entry gives way to a fresh opt-in (leadflow.services.mail_permission)."""


@dataclass(frozen=True)
class Suppression:
    reason: SuppressionReason
    at: datetime


class SuppressionList(Protocol):
    """Salted hashes of canonical emails that must not be mailed, each with why: the person was erased, unsubscribed,
    or their address bounced hard or complained. Enough to recognise a returning person, nothing more."""

    def suppress(self, email_hash: str, at: datetime, reason: SuppressionReason = "erased") -> None:
        """Keep the hash with `reason` since `at`, unless it is kept with a stronger reason (then nothing changes)."""

    def is_suppressed(self, email_hash: str) -> bool:
        """Whether the hash is kept, for any reason."""

    def entry(self, email_hash: str) -> Suppression | None:
        """Why and since when the hash is kept (an entry kept before reasons were was kept by erasure); None when
        it is not kept."""


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> None: ...
