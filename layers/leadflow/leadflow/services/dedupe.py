"""The dedupe step: which lead a submission belongs to.

1. The canonical email is claimed with one conditional write: a known email joins its lead, race-free.
2. A new email is matched against candidates from the match index (a few bounded queries on blocking keys, one of
   them the phone number's, so the cost per lead does not grow with the table).
   Above the merge threshold the submission joins that lead (its email claim is moved there); in the grey zone a
   new lead is created with a `possible_duplicate` link for a person to resolve; below it, a new lead.
A phone number alone never decides: switchboards and shared lines are common in B2B, so the phone's leads are only
candidates that the match probability must accept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from leadflow.domain.consent import recorded
from leadflow.domain.identity import canonical_email, canonical_phone, email_flags
from leadflow.domain.matching import MatchRecord, MatchResult, PreparedRecord, blocking_keys, match, prepare
from leadflow.domain.merge import apply_submission
from leadflow.domain.merge_chain import MAX_MERGE_HOPS, follow_merges
from leadflow.models.events import LeadCreated, LeadPossibleDuplicate, LeadUpdated, SubmissionState
from leadflow.models.lead import ConsentRecord, EmailQuality, HistoryEntry, Lead
from leadflow.models.rules import MatchingRuleSet
from leadflow.models.submission import StoredSubmission, SubmissionIn, SubmissionStatus
from leadflow.ports import ConcurrentUpdate, DuplicateLink, IndexedRecord
from leadflow.services.lead_updates import UNREAD, Unread, update_lead
from leadflow.services.pipeline_deps import active_ruleset
from leadflow.services.step_deps import DedupeDeps
from leadflow.services.sweep import first_sweep_at

CANDIDATES_PER_KEY = 20  # bounds the reads per key; a block larger than this is not about one person anyway


@dataclass(frozen=True)
class Match:
    lead_id: str
    decision: str
    result: MatchResult


def lead_id_for(submission_id: str) -> str:
    """The id a submission's new lead gets: derived from the submission, so a retried step claims with the same id."""
    return "lead_" + submission_id.removeprefix("sub_")


def match_record(record_id: str, source: SubmissionIn | Lead) -> MatchRecord:
    return MatchRecord(
        record_id=record_id,
        first_name=source.first_name,
        last_name=source.last_name,
        email=source.email,
        phone=source.phone,
        company=source.company,
        title=source.title,
        country=source.country,
    )


def _prepared(candidate: IndexedRecord) -> PreparedRecord:
    return prepare(MatchRecord.model_validate({**candidate.record, "record_id": candidate.lead_id}))


def best_match(incoming: PreparedRecord, deps: DedupeDeps, rules: MatchingRuleSet) -> Match | None:
    """The most probable merge or possible match among the index's candidates, by the one decision procedure that
    `leadflow dedupe` runs too (leadflow.domain.matching.match, with the active rule set's fitted model if any)."""
    best: Match | None = None
    for candidate in deps.index.candidates(blocking_keys(incoming), CANDIDATES_PER_KEY):
        if candidate.lead_id == incoming.record_id:
            continue
        outcome = match(incoming, _prepared(candidate), rules.thresholds, rules.model)
        if outcome.decision != "distinct" and (best is None or outcome.result.probability > best.result.probability):
            best = Match(candidate.lead_id, outcome.decision, outcome.result)
    return best


def record_fields(lead: Lead) -> dict[str, object]:
    return match_record(lead.lead_id, lead).model_dump(exclude={"record_id"}, exclude_none=True)


def _surviving(deps: DedupeDeps, lead_id: str) -> str:
    """A candidate may have been merged into another lead since it was indexed: its survivor's id.

    A tombstone whose survivor is gone is joined as it is: _join follows its link and creates that lead anew."""
    survivor = follow_merges(lead_id, deps.store.get_lead)
    return survivor.lead_id if survivor is not None else lead_id


def _resolve_owner(run: SubmissionState, deps: DedupeDeps, canonical: str) -> tuple[str, Match | None, bool]:
    """The lead the submission joins, the match that decided it, and whether the email was new to leadflow."""
    candidate_id = lead_id_for(run.submission_id)
    # A claim points at a merged-away lead only in a race with a merge; join() follows it then, without a read here.
    owner = deps.store.claim_identity("email", canonical, candidate_id)
    if owner != candidate_id or deps.store.get_lead(candidate_id) is not None:
        return owner, None, False  # a known email (or a retry of this very submission)
    owner, match = _match_new_email(run, deps, canonical, candidate_id)
    return owner, match, True


def _match_new_email(
    run: SubmissionState, deps: DedupeDeps, canonical: str, candidate_id: str
) -> tuple[str, Match | None]:
    rules = active_ruleset(deps.config, "matching", MatchingRuleSet)
    match = best_match(prepare(match_record(candidate_id, run.submission)), deps, rules)
    if match is None or match.decision != "merge":
        return candidate_id, match
    target = _surviving(deps, match.lead_id)
    if deps.store.move_identity("email", canonical, candidate_id, target):
        return target, match
    # A concurrent run moved the claim first: follow it, wherever it went.
    return _surviving(deps, deps.store.lead_for_identity("email", canonical) or candidate_id), match


class _MergedAway(Exception):
    def __init__(self, survivor: str) -> None:
        super().__init__(f"merged into {survivor}")
        self.survivor = survivor


def with_match_keys(lead: Lead) -> Lead:
    """The lead with the blocking keys of its current profile (what the match index files it under)."""
    return lead.model_copy(update={"match_keys": blocking_keys(prepare(match_record(lead.lead_id, lead)))})


def _join(
    run: SubmissionState,
    deps: DedupeDeps,
    lead_id: str,
    *,
    returning: bool = False,
    as_read: Lead | Unread | None = UNREAD,
) -> tuple[Lead, bool, list[str]]:
    """Apply the submission to `lead_id` (creating it when new): (lead, created, the keys it was filed under).

    `returning`: the email is on the suppression list (its person was erased). The person is back by their own
    action, so the submission is kept; but marketing consent is only what this submission gives (fresh consent),
    never what a lead it joins held, and a withdrawal is recorded when it gives none."""
    submission = StoredSubmission(
        submission_id=run.submission_id, received_at=run.received_at, data=run.submission, lead_id=lead_id
    )
    created = False
    previous_keys: list[str] = []

    def join(lead: Lead | None) -> Lead | None:
        nonlocal created, previous_keys
        if lead is not None and lead.merged_into is not None:
            raise _MergedAway(lead.merged_into)
        if lead is not None and run.submission_id in lead.submission_ids:
            return None  # a retry: this submission is already part of the lead
        created = lead is None
        previous_keys = list(lead.match_keys) if lead else []
        joined = with_match_keys(apply_submission(lead, submission, lead_id, deps.clock.now()))
        if returning and not run.submission.consent:
            record = ConsentRecord(consent=False, source="suppression", at=run.received_at, ref=run.submission_id)
            joined = recorded(joined, record)
        flags = email_flags(joined.email)
        quality = EmailQuality(typo_of=flags.typo_of, disposable=flags.disposable, role=flags.role)
        return joined.model_copy(update={"email_quality": quality})

    lead = update_lead(deps.store, lead_id, join, as_read=as_read)
    assert lead is not None
    return lead, created, previous_keys


class SubmissionErased(Exception):
    """The run replays a submission that was erased with its person (a redriven dead letter): nothing is written."""


def dedupe(state: SubmissionState, deps: DedupeDeps) -> SubmissionState:
    canonical = canonical_email(state.submission.email)
    # Asked before anything is written (one read per submission): a replayed run of an erased person's submission
    # must not bring them back, and its submission item is gone while a returning person's new one exists.
    suppressed = deps.suppressed is not None and deps.suppressed(canonical)
    if suppressed and deps.store.get_submission(state.submission_id) is None:
        raise SubmissionErased(f"submission {state.submission_id} was erased with its person; it is not processed")
    lead_id, match, new_email = _resolve_owner(state, deps, canonical)
    # Only a new email can be a returning person: once their new lead exists, its consent evolves as any lead's.
    returning = new_email and suppressed
    # A new email's own lead was just read, absent: it is created without a second read (if another run created it
    # since, the conditional write fails and the lead is read then).
    as_read: Lead | Unread | None = None if new_email and lead_id == lead_id_for(state.submission_id) else UNREAD
    for _ in range(MAX_MERGE_HOPS):
        try:
            lead, created, previous_keys = _join(state, deps, lead_id, returning=returning, as_read=as_read)
            break
        except _MergedAway as moved:
            lead_id, as_read = moved.survivor, UNREAD
    else:
        raise ConcurrentUpdate(f"lead {lead_id} was merged away more than {MAX_MERGE_HOPS} times in a row")
    # The lead is saved; what points at it is written together (none depends on another, each is idempotent when a
    # retried run writes it again), and the events go last, once everything they announce can be read.
    writes: list[Callable[[], object]] = [
        partial(deps.index.file, lead_id, lead.match_keys, record_fields(lead), previous_keys)
    ]
    phone = canonical_phone(lead.phone, lead.country)
    if phone:  # first lead with this number: a lookup aid for matching
        writes.append(partial(deps.store.claim_identity, "phone", phone, lead_id))
    events = _record(state, deps, lead, created=created, canonical=canonical, match=match, returning=returning)
    deps.side_by_side([*writes, *events.writes])
    deps.bus.publish(events.events)
    return state.model_copy(update={"lead": lead})


@dataclass(frozen=True)
class _Closing:
    writes: list[Callable[[], object]]
    events: list[LeadCreated | LeadUpdated | LeadPossibleDuplicate]


def _record(
    run: SubmissionState,
    deps: DedupeDeps,
    lead: Lead,
    *,
    created: bool,
    canonical: str,
    match: Match | None,
    returning: bool = False,
) -> _Closing:
    """The writes of the history and of the submission's link to its lead, and the events of this step."""
    detail: dict[str, object] = {"form_id": run.submission.form_id, "source": run.submission.source().model_dump()}
    if returning:
        detail["returning_after_erasure"] = True
    if match is not None and match.decision == "merge":
        detail["matched"] = {"probability": match.result.probability, "evidence": _evidence(match)}
    entry = HistoryEntry(at=run.received_at, kind="submission", ref=run.submission_id, detail=detail)
    writes: list[Callable[[], object]] = [partial(deps.store.add_history, lead.lead_id, entry)]
    # Linked, not yet processed: the state machine's last state marks it processed, a Catch marks it failed. A
    # failed submission run again (a redrive) is filed for the sweeper again, so a run lost now is not lost for good.
    mark = partial(deps.store.mark_submission, run.submission_id, SubmissionStatus.RECEIVED, lead_id=lead.lead_id)
    writes.append(partial(mark, sweep_at=first_sweep_at(deps.clock.now())))
    events: list[LeadCreated | LeadUpdated | LeadPossibleDuplicate] = [
        LeadCreated(lead_id=lead.lead_id, submission_id=run.submission_id, email_canonical=canonical)
        if created
        else LeadUpdated(lead_id=lead.lead_id, submission_id=run.submission_id)
    ]
    if match is not None and match.decision == "possible" and match.lead_id != lead.lead_id:
        link = DuplicateLink(lead.lead_id, match.lead_id, match.result.probability, _evidence(match), deps.clock.now())
        found = HistoryEntry(
            at=link.found_at,
            kind="possible_duplicate",
            ref=match.lead_id,
            detail={"other_id": match.lead_id, "probability": link.probability, "evidence": link.evidence},
        )
        writes.append(partial(deps.index.link_possible_duplicate, link))
        writes.append(partial(deps.store.add_history, lead.lead_id, found))
        events.append(LeadPossibleDuplicate(lead_id=lead.lead_id, other_id=match.lead_id, probability=link.probability))
    return _Closing(writes, events)


def _evidence(match: Match) -> list[dict[str, object]]:
    return [e.model_dump() for e in match.result.evidence]
