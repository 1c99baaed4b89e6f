"""The interfaces leadflow's services need from the outside world; adapters implement them for AWS and in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from leadflow.models.account import Account
from leadflow.models.events import DomainEvent
from leadflow.models.lead import Activity, Assignment, Firmographics, HistoryEntry, Lead, Outcome, Stage
from leadflow.models.merge import MergeRecord
from leadflow.models.rules import Rep
from leadflow.models.submission import StoredSubmission, SubmissionStatus


class ConcurrentUpdate(Exception):
    """Someone else changed the record since it was read; read again and re-apply."""


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class Page:
    """One page of a listing; `cursor` is opaque and None on the last page."""

    items: list[Lead]
    cursor: str | None


@dataclass(frozen=True)
class OutcomeExample:
    """A closed-loop training example: how one lead's deal ended (the latest outcome recorded for it)."""

    lead_id: str
    outcome: Outcome


@dataclass(frozen=True)
class OutcomePage:
    """One page of training examples, oldest `closed_at` first; `cursor` is opaque and None on the last page."""

    items: list[OutcomeExample]
    cursor: str | None


@dataclass(frozen=True)
class Notification:
    notification_id: str  # deterministic, so a retried step queues it once
    rep_id: str
    lead_id: str
    channel: str
    subject: str
    body: str
    created_at: datetime
    payload: dict[str, Any]


class LeadStore(Protocol):
    def put_submission(self, submission: StoredSubmission) -> bool:
        """Store a submission durably; False (and no change) if one with this id exists."""

    def get_submission(self, submission_id: str) -> StoredSubmission | None: ...

    def mark_submission(
        self,
        submission_id: str,
        status: SubmissionStatus,
        *,
        lead_id: str | None = None,
        error: str | None = None,
        sweep_at: datetime | None = None,
    ) -> None:
        """Set the status; lead_id and error only when given (None leaves them as they are). Any status but
        `received` takes the submission out of the sweeper's due index; `received` with `sweep_at` files it there
        unless it is filed already (a failed submission run again). LookupError if unknown."""

    def due_submissions(self, until: datetime, limit: int = 100) -> list[str]:
        """Ids of submissions still `received` whose sweep is due at or before `until`, earliest first per shard, at
        most `limit`. Reads only the sparse due index, as due_leads does."""

    def reschedule_submission(self, submission_id: str, *, sweeps: int, due_at: datetime) -> bool:
        """Count one more sweep (`sweeps` is the new count) of a submission still `received` and file it again at
        `due_at`, with one conditional write; False, and no change, if it is no longer received or another sweeper
        counted this sweep first."""

    def claim_identity(self, kind: str, value: str, lead_id: str) -> str:
        """Claim `kind:value` for `lead_id` with one conditional write; return whichever lead owns it now."""

    def lead_for_identity(self, kind: str, value: str) -> str | None: ...

    def move_identity(self, kind: str, value: str, from_lead: str, to_lead: str) -> bool:
        """Point a claim at another lead, only if it still points at `from_lead`; False if it does not."""

    def get_lead(self, lead_id: str) -> Lead | None: ...

    def save_lead(self, lead: Lead, *, expected_version: int | None) -> Lead:
        """Store `lead` with version expected_version+1 (None: must not exist yet); ConcurrentUpdate otherwise."""

    def link_account(self, account: Account, lead_id: str) -> bool:
        """File the lead under its account, creating the account on first sight; True if it was created."""

    def get_account(self, account_id: str) -> Account | None: ...

    def account_lead_ids(self, account_id: str) -> list[str]: ...

    def put_merge_record(self, record: MergeRecord) -> None:
        """Keep a merge's record under its surviving lead, so the merge can be explained and undone."""

    def merge_records(self, lead_id: str) -> list[MergeRecord]:
        """The merges into this lead still in force, oldest first."""

    def delete_merge_record(self, record: MergeRecord) -> None: ...

    def add_history(self, lead_id: str, entry: HistoryEntry) -> bool:
        """Append an entry; False if an entry with the same kind and ref is already there."""

    def history(self, lead_id: str) -> list[HistoryEntry]: ...

    def engagement_event_recorded(self, provider: str, event_id: str) -> bool:
        """Whether a provider's webhook event was handled before: the duplicate check of POST /v1/webhooks."""

    def record_engagement_event(
        self, provider: str, event_id: str, *, status: str, lead_id: str | None, received_at: datetime
    ) -> bool:
        """Keep that the event was handled (`recorded` or `parked`), with one conditional put; False (and no change)
        if it was kept before."""

    def park_activity(self, email_canonical: str, activity: Activity) -> None:
        """Keep an engagement event about an email no lead has yet, until that lead arrives (idempotent)."""

    def parked_activity(self, email_canonical: str) -> list[Activity]:
        """The activity parked under the email, oldest first."""

    def clear_parked_activity(self, email_canonical: str, event_ids: Sequence[str]) -> None:
        """Forget parked activity once it is saved on its lead (unknown ids are ignored)."""

    def list_leads(
        self, *, stage: Stage | None = None, owner_id: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page: ...

    def due_leads(self, job: str, until: datetime, limit: int = 100) -> list[str]:
        """Ids of leads whose `due_job` is `job` and `due_at` is at or before `until`, earliest first per shard, at
        most `limit`. Reads only the sparse due index: the cost follows the number of due leads, not the table."""

    def put_outcome(self, lead_id: str, outcome: Outcome) -> None:
        """Keep the lead's outcome as a training example, replacing the lead's earlier example if it has one (the
        latest outcome is the truth). Writing the same outcome again changes nothing."""

    def outcomes(self, *, limit: int = 100, cursor: str | None = None) -> OutcomePage:
        """Training examples, one per lead, oldest `closed_at` first; ValueError("invalid cursor") for a cursor this
        listing did not hand out."""


@dataclass(frozen=True)
class IndexedRecord:
    """A lead's matching fields as the match index holds them, so candidates are scored without reading profiles."""

    lead_id: str
    record: dict[str, Any]


@dataclass(frozen=True)
class DuplicateLink:
    """A possible duplicate found in the grey zone, kept for a person to merge or dismiss."""

    lead_id: str
    other_id: str
    probability: float
    evidence: list[dict[str, Any]]
    found_at: datetime


class MatchIndex(Protocol):
    """Blocking keys → leads, so that finding candidates costs a few bounded queries whatever the table's size."""

    def candidates(self, keys: Sequence[str], per_key: int) -> list[IndexedRecord]:
        """The leads filed under any of `keys`, at most `per_key` per key, each lead once."""

    def file(self, lead_id: str, keys: Sequence[str], record: dict[str, Any], previous_keys: Sequence[str]) -> None:
        """File the lead under `keys` with its matching fields; remove it from previous keys no longer in `keys`."""

    def unfile(self, lead_id: str, keys: Sequence[str]) -> None: ...

    def link_possible_duplicate(self, link: DuplicateLink) -> None:
        """Record the link on both leads (idempotent)."""

    def possible_duplicates(self, lead_id: str) -> list[DuplicateLink]: ...

    def remove_possible_duplicate(self, lead_id: str, other_id: str) -> None: ...


class EnrichmentUnavailable(Exception):
    """The enrichment provider cannot answer now (timeout, 5xx, malformed answer, breaker open); ask another or
    retry later. Distinct from "does not know the domain", which is an answer (None)."""


class EnrichmentProvider(Protocol):
    """Firmographics for an email domain from one source: the bundled directory, an external data provider, ..."""

    name: str

    def lookup(self, domain: str) -> Firmographics | None:
        """What the provider knows about `domain` (lower-case, no trailing dot); None if it does not know it.
        Raises EnrichmentUnavailable when it cannot answer now."""


class ConfigStore(Protocol):
    def active(self, kind: str) -> tuple[int, dict[str, Any]] | None:
        """The active version number and body of a config document (scoring, reps, ...), if any."""

    def publish(self, kind: str, body: dict[str, Any]) -> int:
        """Store a new version and make it active; return its number."""

    def next_in_sequence(self, name: str) -> int:
        """Atomically increment and return a named counter (round-robin cursors); 1 on first use."""

    def increment_if_below(self, name: str, limit: int, *, expires_at: int | None = None) -> bool:
        """Add 1 to a named counter only while it is below `limit`, in one conditional write; False (and no change)
        when it is at or over the limit. Routing claims a rep's capacity with it, so limits hold under concurrency.
        `expires_at` (epoch seconds) lets the table's TTL delete a counter that has done its job (a day's count)."""

    def decrement(self, name: str) -> None:
        """Take 1 from a named counter, never below 0 (a lead left the rep, or a claim was not used)."""

    def counter(self, name: str) -> int:
        """A named counter's value; 0 when never used."""


class EventBus(Protocol):
    def publish(self, events: Sequence[DomainEvent]) -> None: ...


class WebhookSecrets(Protocol):
    def secret(self, provider: str) -> str | None:
        """The provider's webhook signing secret; None if no such provider is configured."""


DeliveryStatus = Literal["delivered", "outbox_only", "failed", "retrying", "sending"]
SETTLED: frozenset[str] = frozenset({"delivered", "outbox_only", "failed"})  # nothing more will be sent


@dataclass(frozen=True)
class Delivery:
    """What delivery made of one queued notification so far; `status` is None until a first attempt ends."""

    status: DeliveryStatus | None = None
    sent: frozenset[str] = frozenset()  # channels that took the message, so a retry skips them
    attempts: int = 0
    delivered_at: datetime | None = None  # when the status became settled
    last_error: str | None = None
    claimed_at: datetime | None = None  # while a sender holds it (status "sending")

    @property
    def settled(self) -> bool:
        return self.status in SETTLED


@dataclass(frozen=True)
class OutboxEntry:
    notification: Notification
    delivery: Delivery


class Outbox(Protocol):
    def queue(self, notification: Notification) -> bool:
        """Queue a notification once; False if this notification_id was queued before."""

    def recent(self, limit: int = 50) -> list[Notification]: ...

    def get(self, rep_id: str, notification_id: str) -> OutboxEntry | None:
        """The notification and its delivery so far (a strongly consistent read); None if it was never queued."""

    def claim(self, rep_id: str, notification_id: str, *, token: str, at: datetime, stale_before: datetime) -> bool:
        """Take the notification for sending, in one conditional write: status `sending` with `token` and `at`, if it
        is queued or retrying, or its sender's claim was taken before `stale_before` (a sender that died mid-send:
        the function's timeout has passed). False, and no change, when it is settled, claimed by a live sender or
        was never queued. record_attempt ends the claim."""

    def record_sent(self, rep_id: str, notification_id: str, channel: str) -> None:
        """Keep that `channel` took the message (idempotent), before anything else can fail."""

    def record_attempt(
        self, rep_id: str, notification_id: str, *, status: DeliveryStatus, at: datetime, error: str | None
    ) -> None:
        """Count one delivery attempt and keep its outcome, ending its claim; `delivered_at` is set when `status` is
        settled. LookupError if the notification was never queued (an update must not create a half item)."""


class DeliveryFailed(Exception):
    """A channel did not take the message. `retryable`: a later attempt may succeed (5xx, 429, timeout, throttling);
    otherwise retrying cannot help (a revoked webhook, an address or sender the mail service rejects)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Notifier(Protocol):
    """One delivery channel (Slack, email, ...). The address comes from the rep roster, not the notification:
    a rep who changes their webhook gets later notifications there."""

    channel: str

    def reaches(self, rep: Rep) -> bool:
        """Whether the rep has an address on this channel (a webhook URL, an email address)."""

    def send(self, notification: Notification, rep: Rep) -> None:
        """Deliver the message to the rep once; raises DeliveryFailed when the channel does not take it."""


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


class SuppressionList(Protocol):
    """Salted hashes of erased people's canonical emails: enough to recognise a returning person, nothing more."""

    def suppress(self, email_hash: str, at: datetime) -> None: ...

    def is_suppressed(self, email_hash: str) -> bool: ...


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> None: ...


__all__ = [
    "Assignment",
    "AuditEntry",
    "AuditLog",
    "Clock",
    "ConcurrentUpdate",
    "ConfigStore",
    "Delivery",
    "DeliveryFailed",
    "DeliveryStatus",
    "DuplicateLink",
    "EnrichmentProvider",
    "EnrichmentUnavailable",
    "ErasureRecord",
    "ErasureStatus",
    "EventBus",
    "Footprint",
    "IndexedRecord",
    "LeadStore",
    "MatchIndex",
    "Notification",
    "Notifier",
    "Outbox",
    "OutboxEntry",
    "OutcomeExample",
    "OutcomePage",
    "Page",
    "PersonalDataStore",
    "PersonalItem",
    "SuppressionList",
    "WebhookSecrets",
]
