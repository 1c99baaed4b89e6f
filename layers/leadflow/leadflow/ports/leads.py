"""The leads table's ports, one per role a service plays with it; LeadStore is all of them, as each adapter is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from leadflow.models.account import Account
    from leadflow.models.lead import Activity, HistoryEntry, Lead, Outcome, Stage
    from leadflow.models.merge import MergeRecord
    from leadflow.models.submission import StoredSubmission, SubmissionStatus


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


class Submissions(Protocol):
    """Submissions as received, their status, and the sweeper's due index of those not yet through the pipeline."""

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


class IdentityClaims(Protocol):
    """Which lead owns an identity (`email:...`, `phone:...`): one conditional write decides between two submissions."""

    def claim_identity(self, kind: str, value: str, lead_id: str) -> str:
        """Claim `kind:value` for `lead_id` with one conditional write; return whichever lead owns it now."""

    def lead_for_identity(self, kind: str, value: str) -> str | None: ...

    def move_identity(self, kind: str, value: str, from_lead: str, to_lead: str) -> bool:
        """Point a claim at another lead, only if it still points at `from_lead`; False if it does not."""


class LeadRecords(Protocol):
    """Lead profiles, read and written under optimistic locking, and listed."""

    def get_lead(self, lead_id: str) -> Lead | None: ...

    def get_leads(self, lead_ids: Sequence[str]) -> list[Lead]:
        """The leads of these ids that exist, each once, in the order asked; read together (one round trip for up
        to 100), as up to date as get_lead's."""

    def save_lead(self, lead: Lead, *, expected_version: int | None) -> Lead:
        """Store `lead` with version expected_version+1 (None: must not exist yet); ConcurrentUpdate otherwise."""

    def list_leads(
        self, *, stage: Stage | None = None, owner_id: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page: ...


class Accounts(Protocol):
    """Accounts (companies) and the leads filed under them."""

    def link_account(self, account: Account, lead_id: str) -> bool:
        """File the lead under its account, creating the account on first sight; True if it was created."""

    def get_account(self, account_id: str) -> Account | None: ...

    def account_lead_ids(self, account_id: str, *, first: int | None = None) -> list[str]:
        """The ids of the leads filed under the account, in the order they were filed (lead ids sort by creation);
        only the `first` few when given, read without reading the rest (a big account costs no more)."""


class MergeRecords(Protocol):
    """What each merge changed, kept under the surviving lead so it can be explained and undone."""

    def put_merge_record(self, record: MergeRecord) -> None:
        """Keep a merge's record under its surviving lead, so the merge can be explained and undone."""

    def merge_records(self, lead_id: str) -> list[MergeRecord]:
        """The merges into this lead still in force, oldest first."""

    def delete_merge_record(self, record: MergeRecord) -> None: ...


class LeadHistory(Protocol):
    """A lead's history: append-only, one entry per kind and ref, so a retried step writes it once."""

    def add_history(self, lead_id: str, entry: HistoryEntry) -> bool:
        """Append an entry; False if an entry with the same kind and ref is already there."""

    def history(self, lead_id: str) -> list[HistoryEntry]: ...


class DueIndex(Protocol):
    """The sparse index of leads with a job due (decay, recycle): the cost follows the number due, not the table."""

    def due_leads(self, job: str, until: datetime, limit: int = 100) -> list[str]:
        """Ids of leads whose `due_job` is `job` and `due_at` is at or before `until`, earliest first per shard, at
        most `limit`. Reads only the sparse due index: the cost follows the number of due leads, not the table."""


class EngagementEvents(Protocol):
    """Engagement webhooks: which provider events were handled, and activity parked until its lead arrives."""

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


class Outcomes(Protocol):
    """How leads' deals ended, kept as the predictive model's training examples."""

    def put_outcome(self, lead_id: str, outcome: Outcome) -> None:
        """Keep the lead's outcome as a training example, replacing the lead's earlier example if it has one (the
        latest outcome is the truth). Writing the same outcome again changes nothing."""

    def outcomes(self, *, limit: int = 100, cursor: str | None = None) -> OutcomePage:
        """Training examples, one per lead, oldest `closed_at` first; ValueError("invalid cursor") for a cursor this
        listing did not hand out."""


class LeadStore(
    Submissions,
    IdentityClaims,
    LeadRecords,
    Accounts,
    MergeRecords,
    LeadHistory,
    DueIndex,
    EngagementEvents,
    Outcomes,
    Protocol,
):
    """Every role the leads table plays: what the adapters and the in-memory twin implement, and the contract
    suite holds together. Services name the roles they use instead."""
