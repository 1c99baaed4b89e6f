"""Resolving duplicates by hand: merge a possible duplicate into a lead, dismiss it, or undo a merge.

A merge keeps the surviving lead's id; the other lead stays stored as a tombstone pointing at it (`merged_into`), its
identity claims and index entries move to the survivor, and the merge record keeps both leads exactly as they were,
so that an unmerge restores them and gives their identities back.
"""

from __future__ import annotations

from datetime import datetime

from leadflow.domain.identity import canonical_phone
from leadflow.domain.lead_merge import merge_leads, unmerge
from leadflow.domain.survivorship import email_identities
from leadflow.models.events import LeadMerged, LeadUnmerged
from leadflow.models.lead import HistoryEntry, Lead, Stage
from leadflow.models.merge import MergeRecord
from leadflow.models.owners import is_queue
from leadflow.models.rules import MatchingRuleSet
from leadflow.ports import ConcurrentUpdate
from leadflow.services.dedupe import record_fields, with_match_keys
from leadflow.services.lead_updates import LeadNotFound, update_existing_lead
from leadflow.services.pipeline_deps import CurationDeps, active_ruleset
from leadflow.services.rep_load import release_owner
from leadflow.services.score_steps import rescore_lead


class CannotMerge(Exception):
    """The request cannot be carried out as asked (already merged elsewhere, nothing to undo, ...)."""


def _lead(deps: CurationDeps, lead_id: str) -> Lead:
    lead = deps.store.get_lead(lead_id)
    if lead is None:
        raise LeadNotFound(lead_id)
    return lead


def _identities(lead: Lead) -> list[tuple[str, str]]:
    """Every identity the lead holds: each of its addresses, and its phone."""
    phone = canonical_phone(lead.phone, lead.country)
    return [*(("email", email) for email in email_identities(lead)), *([("phone", phone)] if phone else [])]


def _counted(lead: Lead) -> bool:
    """Whether the lead counts against its owner's open leads (closed and recycled leads gave theirs back)."""
    return (
        lead.owner_id is not None
        and not is_queue(lead.owner_id)
        and lead.stage not in (Stage.DISQUALIFIED, Stage.CUSTOMER, Stage.RECYCLED)
    )


def merge_pair(lead_id: str, other_id: str, *, actor: str, deps: CurationDeps) -> Lead:
    """Merge `other_id` into `lead_id`; asking again after it is done returns the merged lead.

    The pipeline or nurture may write either lead meanwhile: a survivor that changed after it was read is read
    again and the merge decided again (nothing else was written yet); the tombstone is written onto the other lead
    as it stands then, so a concurrent write never leaves a merge half-done."""
    if lead_id == other_id:
        raise CannotMerge("a lead cannot be merged into itself")
    now = deps.clock.now()
    for _ in range(MERGE_ATTEMPTS):
        try:
            return _merge_once(lead_id, other_id, actor=actor, deps=deps, now=now)
        except SurvivorChanged:
            continue
    raise ConcurrentUpdate(f"lead {lead_id} kept changing while it was being merged; try again")


MERGE_ATTEMPTS = 5


class SurvivorChanged(Exception):
    """The surviving lead was written by someone else after the merge read it."""


def _merge_once(lead_id: str, other_id: str, *, actor: str, deps: CurationDeps, now: datetime) -> Lead:
    survivor, other = _lead(deps, lead_id), _lead(deps, other_id)
    if other.merged_into == lead_id:
        return survivor
    for lead in (survivor, other):
        if lead.merged_into is not None:
            raise CannotMerge(f"lead {lead.lead_id} was already merged into {lead.merged_into}")
    links = {link.other_id: link for link in deps.index.possible_duplicates(lead_id)}
    evidence = links[other_id].evidence if other_id in links else None
    rules = active_ruleset(deps.config, "matching", MatchingRuleSet).survivorship
    outcome = merge_leads(survivor, other, rules, evidence=evidence, actor=actor, now=now)
    # The record first, so the merge can be undone whatever fails next; a merge decided again after a lost race
    # has the same id (the same `now`), so its record replaces the first attempt's.
    deps.store.put_merge_record(outcome.record)
    try:
        merged = deps.store.save_lead(with_match_keys(outcome.merged), expected_version=survivor.version)
    except ConcurrentUpdate as exc:
        raise SurvivorChanged(lead_id) from exc

    def tombstone(current: Lead) -> Lead:
        # A tombstone is no job's business: out of the due index with it, and its SLA over.
        sla = current.sla
        if sla is not None and sla.status == "running":
            sla = sla.model_copy(update={"status": "ended"})
        update = {"merged_into": lead_id, "match_keys": [], "updated_at": now, "due_at": None, "due_job": None}
        return current.model_copy(update={**update, "sla": sla})

    update_existing_lead(deps.store, other_id, tombstone)
    if _counted(other) and merged.owner_id != other.owner_id and other.owner_id is not None:
        release_owner(deps.config, other.owner_id)  # two open leads of one person are one now
    for kind, value in _identities(other):
        deps.store.move_identity(kind, value, other_id, lead_id)
    deps.index.unfile(other_id, other.match_keys)
    deps.index.file(lead_id, merged.match_keys, record_fields(merged), survivor.match_keys)
    deps.index.remove_possible_duplicate(lead_id, other_id)
    ref = outcome.record.merge_id
    detail = {"other_id": other_id, "actor": actor, "merge_id": ref}
    deps.store.add_history(lead_id, HistoryEntry(at=now, kind="merged", ref=ref, detail=detail))
    deps.store.add_history(other_id, HistoryEntry(at=now, kind="merged", ref=ref, detail={**detail, "into": lead_id}))
    deps.bus.publish([LeadMerged(lead_id=lead_id, merged_id=other_id, merge_id=ref, actor=actor)])
    return rescore_lead(lead_id, deps, ref=ref)  # scores are recomputed from the combined history, never added


def dismiss_pair(lead_id: str, other_id: str, *, actor: str, deps: CurationDeps) -> None:
    """Two leads a person judged to be different people: the possible-duplicate link goes away on both."""
    _lead(deps, lead_id)
    deps.index.remove_possible_duplicate(lead_id, other_id)
    deps.store.add_history(
        lead_id,
        HistoryEntry(
            at=deps.clock.now(), kind="possible_duplicate", ref=f"dismissed:{other_id}", detail={"actor": actor}
        ),
    )


def latest_merge(deps: CurationDeps, lead_id: str) -> MergeRecord:
    records = deps.store.merge_records(lead_id)
    if not records:
        raise CannotMerge(f"lead {lead_id} has no merge to undo")
    return records[-1]


def unmerge_lead(lead_id: str, *, actor: str, deps: CurationDeps) -> tuple[Lead, Lead]:
    """Undo the latest merge into `lead_id`: both leads as they were, identities and index entries given back.

    Nurture and the pipeline react to the merge while a person may already be undoing it: a survivor written after
    it was read is read again and the undo decided again (nothing else was written yet), and the other lead is
    restored over its tombstone as it stands then, so the undo is never left half-done by a concurrent write."""
    record = latest_merge(deps, lead_id)
    for _ in range(MERGE_ATTEMPTS):
        current = _lead(deps, lead_id)
        try:
            survivor, restored = unmerge(record, current)
        except ValueError as exc:
            raise CannotMerge(str(exc)) from exc
        # Nurture enrolments are what ran, not what the person is: the merge ended the other lead's and their
        # executions stopped, so each lead keeps its enrolments as they stand now.
        survivor = survivor.model_copy(update={"nurture": current.nurture})
        try:
            survivor = deps.store.save_lead(with_match_keys(survivor), expected_version=current.version)
            break
        except ConcurrentUpdate:
            continue
    else:
        raise ConcurrentUpdate(f"lead {lead_id} kept changing while its merge was being undone; try again")
    other = update_existing_lead(
        deps.store, record.other_id, lambda tombstone: restored.model_copy(update={"nurture": tombstone.nurture})
    )
    for kind, value in _identities(record.other_before):
        deps.store.move_identity(kind, value, lead_id, other.lead_id)
    deps.index.file(lead_id, survivor.match_keys, record_fields(survivor), current.match_keys)
    deps.index.file(other.lead_id, other.match_keys, record_fields(other), [])
    deps.store.delete_merge_record(record)
    now = deps.clock.now()
    detail = {"other_id": other.lead_id, "actor": actor, "merge_id": record.merge_id}
    for who in (lead_id, other.lead_id):
        deps.store.add_history(who, HistoryEntry(at=now, kind="unmerged", ref=record.merge_id, detail=detail))
    deps.bus.publish([LeadUnmerged(lead_id=lead_id, restored_id=other.lead_id, merge_id=record.merge_id, actor=actor)])
    return survivor, other
