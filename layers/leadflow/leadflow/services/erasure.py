"""Forgetting a person and telling them what is held about them: `DELETE /v1/leads/{id}` and
`GET /v1/leads/{id}/export`.

A person is a lead and every lead merged into it; naming a merged-away lead names its survivor's person. An erase
is an ordered list of idempotent deletions (adapters.personal_items decides the order) behind an erasure record
written first, so an erase that stopped half-way finds what is left and completes when asked again. What stays: the
erasure record (lead ids, status, counts), a salted hash of each canonical email on the suppression list, and the
audit entries; all free of personal data.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol

from leadflow.domain.identity import canonical_email, canonical_phone
from leadflow.domain.merge_chain import follow_merges
from leadflow.models.erasure import ErasureOut, NotificationOut, PersonExport, PossibleDuplicateOut
from leadflow.models.events import LeadErased
from leadflow.models.lead import Activity, Lead
from leadflow.models.owners import is_queue
from leadflow.models.submission import StoredSubmission
from leadflow.ports import (
    AuditEntry,
    AuditLog,
    Clock,
    Counters,
    EngagementEvents,
    ErasureRecord,
    EventBus,
    Footprint,
    LeadHistory,
    LeadRecords,
    MatchIndex,
    MergeRecords,
    Outbox,
    PersonalDataStore,
    Submissions,
    SuppressionList,
)
from leadflow.services.lead_updates import LeadNotFound
from leadflow.services.lifecycle import CLOSED_STAGES
from leadflow.services.rep_load import release_owner


class ErasureNotConfigured(Exception):
    """No suppression salt: an erasure would keep no hash a returning person could be recognised by."""


class LeadErasedAlready(Exception):
    """The lead's person was erased: nothing about them is held any more."""

    def __init__(self, record: ErasureRecord) -> None:
        super().__init__(f"lead {record.lead_id} was erased")
        self.record = record


@dataclass(frozen=True)
class Requester:
    """Who asks, for the audit: the API key's id as API Gateway names it, and the actor the caller names."""

    actor: str
    api_key_id: str
    request_id: str


class PersonStore(LeadRecords, Submissions, LeadHistory, MergeRecords, EngagementEvents, Protocol):
    """What erasure and export read of a person before anything is deleted (deletions go through PersonalDataStore)."""


@dataclass(frozen=True)
class ErasureDeps:
    store: PersonStore
    index: MatchIndex
    outbox: Outbox
    config: Counters
    personal: PersonalDataStore
    suppression: SuppressionList
    audit: AuditLog
    bus: EventBus
    clock: Clock
    salt: str


def email_hash(email: str, salt: str) -> str:
    """The suppression list's entry for an address: HMAC-SHA256 of its canonical form under a secret salt, so the
    list cannot be reversed by hashing guessed addresses without the salt."""
    return hmac.new(salt.encode("utf-8"), canonical_email(email).encode("utf-8"), hashlib.sha256).hexdigest()


def is_suppressed(email: str, suppression: SuppressionList, salt: str) -> bool:
    """Whether the address's person was erased. Entries kept for mail reasons (an unsubscribe, a bounce) are not
    erasures: such a person's lead and submissions still exist (leadflow.services.mail_permission asks for them)."""
    entry = suppression.entry(email_hash(email, salt))
    return entry is not None and entry.reason == "erased"


def _audit(deps: ErasureDeps, requester: Requester, action: str, lead_id: str) -> None:
    deps.audit.record(
        AuditEntry(
            at=deps.clock.now(),
            action=action,
            lead_id=lead_id,
            actor=requester.actor,
            api_key_id=requester.api_key_id,
            request_id=requester.request_id,
        )
    )


def _survivor(store: LeadRecords, lead: Lead) -> Lead:
    if lead.merged_into is None:
        return lead
    return follow_merges(lead.merged_into, store.get_lead) or lead


def _person(store: LeadRecords, survivor: Lead, merged_ids: Iterable[str]) -> list[Lead]:
    """The survivor, then every lead merged into it that is still stored."""
    leads = [survivor]
    for lead_id in dict.fromkeys(merged_ids):
        lead = store.get_lead(lead_id) if lead_id != survivor.lead_id else None
        if lead is not None:
            leads.append(lead)
    return leads


def _submissions(store: Submissions, leads: list[Lead]) -> list[StoredSubmission]:
    ids = dict.fromkeys(sid for lead in leads for sid in lead.submission_ids)
    return [found for sid in ids if (found := store.get_submission(sid)) is not None]


def footprint(store: PersonStore, lead_ids: tuple[str, ...], leads: list[Lead]) -> Footprint:
    """Where the person's data is, from their leads, submissions and history (all read before any is deleted)."""
    submissions = _submissions(store, leads)
    emails = [e for lead in leads for e in (lead.email, lead.email_canonical, *lead.emails)]
    emails += [s.data.email for s in submissions]
    phones = [canonical_phone(lead.phone, lead.country) for lead in leads]
    phones += [canonical_phone(s.data.phone, s.data.country) for s in submissions]
    activity = [*(a for lead in leads for a in lead.activity), *_parked(store, emails)]
    engagement = [
        (a.source, a.event_id.removeprefix(f"{a.source}:")) for a in activity if a.source not in (None, "form")
    ]
    notified = [
        (str(entry.detail.get("rep_id")), entry.ref)
        for lead in leads
        for entry in store.history(lead.lead_id)
        if entry.kind == "notified"
    ]
    return Footprint(
        lead_ids=lead_ids,
        submission_ids=tuple(dict.fromkeys(s.submission_id for s in submissions)),
        emails=tuple(dict.fromkeys(canonical_email(e) for e in emails)),
        phones=tuple(dict.fromkeys(p for p in phones if p)),
        match_keys=tuple((lead.lead_id, key) for lead in leads for key in lead.match_keys),
        accounts=tuple((lead.account_id, lead.lead_id) for lead in leads if lead.account_id),
        engagement_events=tuple(dict.fromkeys((str(p), e) for p, e in engagement)),
        notifications=tuple(dict.fromkeys(notified)),
        idempotency_keys=tuple(dict.fromkeys(s.idempotency_key for s in submissions if s.idempotency_key)),
    )


def _parked(store: EngagementEvents, emails: list[str]) -> list[Activity]:
    return [a for email in dict.fromkeys(canonical_email(e) for e in emails) for a in store.parked_activity(email)]


def _out(record: ErasureRecord) -> ErasureOut:
    return ErasureOut(
        lead_id=record.lead_id,
        person_id=record.person_id,
        lead_ids=list(record.lead_ids),
        status=record.status,
        started_at=record.started_at,
        erased_at=record.erased_at,
        counts=dict(record.counts or {}),
    )


def _resumed(record: ErasureRecord, deps: ErasureDeps) -> tuple[ErasureRecord, list[Lead]]:
    survivor = deps.store.get_lead(record.person_id)
    if survivor is None:  # the survivor's profile went last: only merged-away leads can be left
        return record, [lead for i in record.lead_ids if (lead := deps.store.get_lead(i)) is not None]
    return record, _person(deps.store, survivor, record.lead_ids)


def _start(lead_id: str, deps: ErasureDeps) -> tuple[ErasureRecord, list[Lead]]:
    """The erasure record and the person's leads: a new record, or the one an earlier attempt left in progress."""
    record = deps.personal.erasure(lead_id)
    if record is not None:
        return _resumed(record, deps)
    named = deps.store.get_lead(lead_id)
    if named is None:
        raise LeadNotFound(lead_id)
    survivor = _survivor(deps.store, named)
    leads = _person(deps.store, survivor, [*survivor.merged_from, named.lead_id])
    lead_ids = tuple(lead.lead_id for lead in leads)
    items = deps.personal.items_of_person(footprint(deps.store, lead_ids, leads))
    record = ErasureRecord(
        lead_id=lead_id,
        person_id=survivor.lead_id,
        lead_ids=lead_ids,
        status="in_progress",
        started_at=deps.clock.now(),
        counts=dict(Counter(item.kind for item in items)),
    )
    if not deps.personal.start_erasure(record):  # a concurrent request started it first: continue that one
        started = deps.personal.erasure(lead_id)
        assert started is not None, "erasure records are never deleted"
        return _resumed(started, deps)
    # Under every other id of the person too: a retry naming any of them continues this erase.
    for each in dict.fromkeys(lead_ids):
        if each != lead_id:
            deps.personal.put_erasure(_under(record, each))
    # Once, on the attempt that wrote the record: an open lead the rep owned no longer counts against their capacity
    # (leads merged into it gave theirs back at the merge).
    if survivor.owner_id is not None and not is_queue(survivor.owner_id) and survivor.stage not in CLOSED_STAGES:
        release_owner(deps.config, survivor.owner_id)
    return record, leads


def _under(record: ErasureRecord, lead_id: str) -> ErasureRecord:
    return replace(record, lead_id=lead_id)


def erase(lead_id: str, requester: Requester, deps: ErasureDeps) -> ErasureOut:
    """Erase the person of `lead_id` everywhere; asking again after it is done answers the same record.

    Raises LeadNotFound for an id never stored (nor erased). Any other error leaves the erasure in progress: the
    same request again continues from what is left."""
    _audit(deps, requester, "erase", lead_id)
    record, leads = _start(lead_id, deps)
    if record.status == "done":
        return _out(record)
    lead_ids = record.lead_ids
    found = footprint(deps.store, lead_ids, leads) if leads else Footprint(lead_ids=lead_ids)
    enrolments = [e.enrolment_id for lead in leads for e in lead.active_enrolments]  # before the leads go
    for email in found.emails:  # before any deletion: the addresses are learnt from what is deleted
        deps.suppression.suppress(email_hash(email, deps.salt), deps.clock.now(), "erased")
    for item in deps.personal.items_of_person(found):
        deps.personal.delete(item)
    now = deps.clock.now()
    counts = dict(record.counts or {})
    # Published before the record says done: a failed publish leaves the erasure in progress, and the retry
    # publishes again (subscribers erase by id, so a second event is harmless).
    erased = LeadErased(
        lead_id=record.person_id, lead_ids=list(lead_ids), erased_at=now, counts=counts, enrolment_ids=enrolments
    )
    deps.bus.publish([erased])
    done = ErasureRecord(
        lead_id=record.lead_id,
        person_id=record.person_id,
        lead_ids=lead_ids,
        status="done",
        started_at=record.started_at,
        erased_at=now,
        counts=counts,
    )
    others = [i for i in dict.fromkeys((lead_id, *lead_ids)) if i != record.lead_id]
    for each in others:
        deps.personal.put_erasure(_under(done, each))
    deps.personal.put_erasure(done)  # last: the record the request named says done only when all of it is
    return _out(_under(done, lead_id))


def export(lead_id: str, requester: Requester, deps: ErasureDeps) -> PersonExport:
    """Everything held about the person of `lead_id`. Raises LeadNotFound, or LeadErasedAlready once erased."""
    _audit(deps, requester, "export", lead_id)
    record = deps.personal.erasure(lead_id)
    if record is not None and record.status == "done":
        raise LeadErasedAlready(record)
    named = deps.store.get_lead(lead_id)
    if named is None:
        raise LeadNotFound(lead_id)
    survivor = _survivor(deps.store, named)
    leads = _person(deps.store, survivor, [*survivor.merged_from, named.lead_id])
    emails = [e for lead in leads for e in (lead.email_canonical, *lead.emails)]
    activity = {a.event_id: a for lead in leads for a in lead.activity}
    activity.update({a.event_id: a for a in _parked(deps.store, emails) if a.event_id not in activity})
    return PersonExport(
        lead_id=survivor.lead_id,
        exported_at=deps.clock.now(),
        leads=leads,
        submissions=_submissions(deps.store, leads),
        history={lead.lead_id: deps.store.history(lead.lead_id) for lead in leads},
        engagement=sorted(activity.values(), key=lambda a: a.occurred_at),
        outcomes=[{"lead_id": lead.lead_id, **lead.outcome.model_dump(mode="json")} for lead in leads if lead.outcome],
        notifications=_notifications(deps, leads),
        merges=[record for lead in leads for record in deps.store.merge_records(lead.lead_id)],
        possible_duplicates=[
            PossibleDuplicateOut(other_id=link.other_id, probability=link.probability, found_at=link.found_at)
            for lead in leads
            for link in deps.index.possible_duplicates(lead.lead_id)
        ],
    )


def _notifications(deps: ErasureDeps, leads: list[Lead]) -> list[NotificationOut]:
    found: list[NotificationOut] = []
    for lead in leads:
        for entry in deps.store.history(lead.lead_id):
            if entry.kind != "notified":
                continue
            held = deps.outbox.get(str(entry.detail.get("rep_id")), entry.ref)
            if held is None:
                continue
            n = held.notification
            found.append(
                NotificationOut(
                    notification_id=n.notification_id,
                    rep_id=n.rep_id,
                    lead_id=n.lead_id,
                    channel=n.channel,
                    subject=n.subject,
                    body=n.body,
                    created_at=n.created_at,
                    delivery_status=held.delivery.status,
                )
            )
    return found
