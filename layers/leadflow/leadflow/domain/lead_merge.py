"""Merging two leads found to be one person, and undoing it: which value survives per field (for the dedupe step and
for reps merging by hand), and a record that keeps both leads so that an unmerge restores them exactly."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leadflow.domain.consent import with_ledger
from leadflow.domain.merge import is_empty, keep_recent_activity
from leadflow.domain.survivorship import addresses_of, email_rank, kept_firmographics, latest_consent, with_addresses
from leadflow.models.lead import Activity, Lead, Stage
from leadflow.models.merge import MergeRecord
from leadflow.models.rules import MERGE_FIELDS, MergeRules, MergeStrategy
from leadflow.models.submission import CustomValue

#: Lifecycle order for "the more advanced stage"; disqualified is outside it (see `_more_advanced`).
STAGE_ORDER = (Stage.NEW, Stage.RECYCLED, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER)
# Scoring only ever moves new -> mql; any other stage is a decision a person (or a later lifecycle step) took.
_DECIDED_STAGES = frozenset(
    {Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER, Stage.DISQUALIFIED, Stage.RECYCLED}
)
# leadflow.ids: prefix, 10 characters of milliseconds, 16 random characters, lowercase Crockford base32.
_TIME_SORTABLE_ID = re.compile(r"^[a-z]+_([0-9a-hjkmnp-tv-z]{10})[0-9a-hjkmnp-tv-z]{16}$")
# Decided about the merged person as a whole, so undone with the merge; the caller re-runs scoring and routing.
_REVERTED_BY_UNMERGE = frozenset(
    {
        "score",
        "stage",
        "owner_id",
        "assignment",
        "sla",
        "stage_changed_at",
        "qualification",
        "disqualification",
        "reengage",
        "outcome",
    }
)
# match_keys and the due entry are derived (from the profile, from score and stage): the caller recomputes them.
_NOT_CARRIED = frozenset(
    {
        "lead_id",
        "version",
        "updated_at",
        "submission_ids",
        "form_ids",
        "merged_from",
        "match_keys",
        "activity",
        "due_at",
        "due_job",
    }
)


@dataclass(frozen=True)
class MergeOutcome:
    merged: Lead
    record: MergeRecord


def merge_leads(
    survivor: Lead,
    other: Lead,
    rules: MergeRules,
    *,
    evidence: list[dict[str, Any]] | None = None,
    actor: str,
    now: datetime,
) -> MergeOutcome:
    """`other` merged into `survivor`, which keeps its lead_id and version (save with expected_version=its version).

    Profile fields and custom fields follow `rules`; a verified value stays verified on the merged lead. The primary
    email follows leadflow.domain.survivorship (verified, then corporate before free-mail and plain before
    plus-tagged, then `rules`), every address of both leads is kept, and the firmographics (with their account) are
    the better of the two, never lowered. Submissions count once even when both leads hold one, in time order; the
    newest consent decision holds (without records, consent given on either lead); created_at, first_source come
    from the older lead, last_submitted_at, last_source from the lead heard from last; the owner (with the
    assignment) is the survivor's, else the other's, and the SLA the survivor's (a timer watches one lead id: the
    other lead's ends with it); the
    stage is the more advanced one (disqualified only when both are). `score` is None: scores are not added up
    (behaviour rules cap and count per form), so the caller rescores the merged lead. The caller also moves the
    other lead's history and identity claims to the survivor, and keeps the returned record to undo the merge."""
    _check_mergeable(survivor, other)
    pair = _Pair(survivor, other, rules)
    updates, field_sources, verified = pair.profile()
    older, younger = (other, survivor) if other.created_at < survivor.created_at else (survivor, other)
    newer = other if _recency(other) > _recency(survivor) else survivor
    owner = survivor if survivor.owner_id else other
    times = [at for at in (survivor.last_submitted_at, other.last_submitted_at) if at is not None]
    merged = survivor.model_copy(
        update={
            **updates,
            "verified_fields": verified,
            **_merged_consent(survivor, other),
            "submission_ids": _combined_submission_ids(older, younger),
            "form_ids": _combined_form_ids(older, younger),
            "activity": combined_activity(survivor.activity, other.activity),
            "created_at": older.created_at,
            "updated_at": now,
            "last_submitted_at": max(times, default=None),
            "first_source": older.first_source or younger.first_source,
            "last_source": newer.last_source or survivor.last_source or other.last_source,
            "owner_id": owner.owner_id,
            "assignment": owner.assignment,
            "stage": _more_advanced(survivor.stage, other.stage),
            "score": None,
            "merged_from": list(dict.fromkeys([*survivor.merged_from, other.lead_id, *other.merged_from])),
        }
    )
    record = MergeRecord(
        merge_id=merge_id(survivor.lead_id, other.lead_id, now),
        at=now,
        actor=actor,
        survivor_id=survivor.lead_id,
        other_id=other.lead_id,
        survivor_before=survivor,
        other_before=other,
        survivor_after=merged,
        evidence=list(evidence or []),
        field_sources=field_sources,
    )
    return MergeOutcome(merged=merged, record=record)


def merge_id(survivor_id: str, other_id: str, at: datetime) -> str:
    """The same merge retried gets the same id, so storing its record twice is detectable."""
    digest = hashlib.sha256(f"{survivor_id}\n{other_id}\n{at.isoformat()}".encode()).hexdigest()
    return f"merge_{digest[:24]}"


def unmerge(record: MergeRecord, current_survivor: Lead) -> tuple[Lead, Lead]:
    """The survivor and the other lead as they were before `record`'s merge: (survivor, other).

    Both equal `survivor_before` / `other_before` field by field, except:
    - Submissions that reached the survivor after the merge stay on it: their ids and form ids are appended, and
      every profile, email, consent, custom-field or verification change made to the merged lead since the merge is
      kept on the restored survivor (updated_at then stays the current one). The caller rescores it.
    - Score, stage, owner and assignment are what they were before the merge even if they changed since: they were
      decided about the merged person (a rescore, a routing), so the caller re-runs scoring and routing.
    - Versions. The restored survivor carries `current_survivor.version`: save it with
      expected_version=current_survivor.version, so that a change made meanwhile raises ConcurrentUpdate (read
      again and unmerge again) and the store moves the version on. The other lead carries `other_before.version`,
      the version it had when it was merged away; the caller writes it back over whatever the merge left under its
      id (saving with expected_version=None when nothing is left, or with the version of what is there).
    The caller also gives the other lead back its identity claims and history.

    Raises ValueError, saying why, when undoing would lose something or is not possible: `current_survivor` is not
    the record's survivor, the merge is no longer in effect (already undone), the survivor has since absorbed other
    leads (undo those merges first, newest first), or a person moved the merged lead to a stage since (which of the
    two leads that decision belongs to is theirs to say: move the stage back first, then unmerge)."""
    _check_undoable(record, current_survivor)
    before, after = record.survivor_before, record.survivor_after
    updates = _changes_since(before, after, current_survivor)
    new_submissions = [sid for sid in current_survivor.submission_ids if sid not in set(after.submission_ids)]
    if new_submissions:
        updates["submission_ids"] = [*before.submission_ids, *new_submissions]
        updates["form_ids"] = [*before.form_ids, *_forms_added(after.form_ids, current_survivor.form_ids)]
    merged_events = {activity.event_id for activity in after.activity}
    new_activity = [activity for activity in current_survivor.activity if activity.event_id not in merged_events]
    if new_activity:
        updates["activity"] = combined_activity(before.activity, new_activity)
    if updates:
        updates["updated_at"] = current_survivor.updated_at
    restored = before.model_copy(update={**updates, "version": current_survivor.version})
    return restored, record.other_before


@dataclass(frozen=True)
class _Pair:
    """The two leads of one merge, and which of them each value comes from."""

    survivor: Lead
    other: Lead
    rules: MergeRules

    def profile(self) -> tuple[dict[str, Any], dict[str, str], list[str]]:
        """The merged profile, email and custom fields; which lead each non-empty value came from; what is verified."""
        updates: dict[str, Any] = {}
        sources: dict[str, str] = {}
        verified: list[str] = []
        for name in MERGE_FIELDS:
            if name == "email":
                lead = self.email_source()
                updates |= self.email_and_company(lead)
            else:
                lead = self.source_of(name, getattr(self.survivor, name), getattr(self.other, name))
                updates[name] = getattr(lead, name)
            self._note(name, lead, updates[name], sources, verified)
        fields: dict[str, CustomValue] = {}
        for key in dict.fromkeys([*self.survivor.fields, *self.other.fields]):
            name = f"fields.{key}"
            lead = self.source_of(name, self.survivor.fields.get(key), self.other.fields.get(key))
            if key not in lead.fields:  # both empty: keep whichever lead has the key
                lead = self.other if lead is self.survivor else self.survivor
            fields[key] = lead.fields[key]
            self._note(name, lead, fields[key], sources, verified)
        updates["fields"] = fields
        return updates, sources, verified

    def email_source(self) -> Lead:
        """The lead whose primary email the merged lead keeps: a verified one, else the better ranked (corporate
        before free-mail, plain before plus-tagged), else the one the `email` strategy prefers."""
        survivor, other = self.survivor, self.other
        survivor_verified, other_verified = "email" in survivor.verified_fields, "email" in other.verified_fields
        if survivor_verified != other_verified:
            return survivor if survivor_verified else other
        survivor_rank, other_rank = email_rank(survivor.email), email_rank(other.email)
        if survivor_rank != other_rank:
            return survivor if survivor_rank < other_rank else other
        return self._preferred(self.rules.strategy_for("email"))

    def email_and_company(self, primary: Lead) -> dict[str, Any]:
        """The primary email, every address of both leads, and the better firmographics with their account: a merge
        never lowers what the survivor (or the other lead) was known to be."""
        second = self.other if primary is self.survivor else self.survivor
        firmographics = kept_firmographics(second.firmographics, primary.firmographics)
        company = primary if firmographics is primary.firmographics else second
        return {
            "email": primary.email,
            "email_canonical": primary.email_canonical,
            "emails": with_addresses(addresses_of(primary), *addresses_of(second)),
            "firmographics": firmographics,
            "account_id": company.account_id,
        }

    def source_of(self, name: str, survivor_value: CustomValue, other_value: CustomValue) -> Lead:
        survivor, other = self.survivor, self.other
        if is_empty(survivor_value) or is_empty(other_value):
            return other if is_empty(survivor_value) and not is_empty(other_value) else survivor
        survivor_verified, other_verified = name in survivor.verified_fields, name in other.verified_fields
        if survivor_verified != other_verified:
            return survivor if survivor_verified else other
        strategy = self.rules.strategy_for("custom_fields" if name.startswith("fields.") else name)
        return self._preferred(strategy)

    def _preferred(self, strategy: MergeStrategy) -> Lead:
        survivor, other = self.survivor, self.other
        if strategy == "survivor":
            return survivor
        if strategy == "oldest":
            return other if other.created_at < survivor.created_at else survivor
        if strategy == "most_trusted":
            survivor_rank, other_rank = self._trust_rank(survivor), self._trust_rank(other)
            if survivor_rank != other_rank:
                return survivor if survivor_rank < other_rank else other
        return other if _recency(other) > _recency(survivor) else survivor

    def _trust_rank(self, lead: Lead) -> int:
        # A lead does not record which submission gave each value, so it is trusted as its most trusted source.
        sources: list[str | None] = list(lead.form_ids)
        for source in (lead.first_source, lead.last_source):
            if source is not None:
                sources += [source.form_id, source.utm_source]
        return min((self.rules.trust_rank(source) for source in sources), default=self.rules.trust_rank(None))

    @staticmethod
    def _note(name: str, lead: Lead, value: CustomValue, sources: dict[str, str], verified: list[str]) -> None:
        if not is_empty(value):
            sources[name] = lead.lead_id
            if name in lead.verified_fields:
                verified.append(name)


def _check_mergeable(survivor: Lead, other: Lead) -> None:
    if survivor.lead_id == other.lead_id:
        raise ValueError(f"cannot merge lead {survivor.lead_id} into itself")
    if other.lead_id in survivor.merged_from or survivor.lead_id in other.merged_from:
        raise ValueError(f"leads {survivor.lead_id} and {other.lead_id} were already merged")


def _merged_consent(survivor: Lead, other: Lead) -> dict[str, Any]:
    """The newest recorded decision holds (a withdrawal on either lead after the other's opt-in included); without
    records, consent given on either lead holds."""
    record = latest_consent(survivor.consent_record, other.consent_record)
    ledger = with_ledger(survivor.consent_ledger, *other.consent_ledger)
    if record is None:
        return {"consent": survivor.consent or other.consent, "consent_record": None, "consent_ledger": ledger}
    # An unrecorded opt-in has no time to weigh against a recorded decision; the recorded one is explicit.
    return {"consent": record.consent, "consent_record": record, "consent_ledger": ledger}


def _recency(lead: Lead) -> datetime:
    return lead.last_submitted_at or lead.created_at


def _more_advanced(survivor: Stage, other: Stage) -> Stage:
    """The stage further along the lifecycle; disqualified only when both are, since one lead still in play wins."""
    if survivor is Stage.DISQUALIFIED:
        return other
    if other is Stage.DISQUALIFIED:
        return survivor
    return max(survivor, other, key=STAGE_ORDER.index)


def combined_activity(first: list[Activity], second: list[Activity]) -> list[Activity]:
    """Both leads' activity, each event once, oldest first, at most MAX_ACTIVITY (the newest)."""
    by_id = {activity.event_id: activity for activity in [*first, *second]}
    return keep_recent_activity(sorted(by_id.values(), key=lambda activity: (activity.occurred_at, activity.event_id)))


def _combined_submission_ids(older: Lead, younger: Lead) -> list[str]:
    """Each submission once; in time order when every id carries its time (leadflow ids do), else older lead first."""
    combined = list(dict.fromkeys([*older.submission_ids, *younger.submission_ids]))
    times = [_TIME_SORTABLE_ID.match(submission_id) for submission_id in combined]
    if all(times):
        order = {submission_id: match.group(1) for submission_id, match in zip(combined, times, strict=True) if match}
        combined.sort(key=order.__getitem__)  # stable: ids of the same millisecond keep their order
    return combined


def _combined_form_ids(older: Lead, younger: Lead) -> list[str]:
    """Every form submitted, once per submission, older lead's first.

    A lead's form ids are not tied to submission ids, so when the two leads share a submission its form cannot be
    told apart: then each form counts as often as the lead that has it most often says. That is exact when one
    lead's submissions include the other's, and otherwise may count a form too few times, never too many (a form
    counted twice would score twice)."""
    if not set(older.submission_ids) & set(younger.submission_ids):
        return [*older.form_ids, *younger.form_ids]
    return [*older.form_ids, *_forms_added(older.form_ids, younger.form_ids)]


def _forms_added(before: list[str], after: list[str]) -> list[str]:
    """The form ids in `after` beyond those in `before`, counted per form, in `after`'s order."""
    remaining = Counter(before)
    added = []
    for form_id in after:
        if remaining[form_id] > 0:
            remaining[form_id] -= 1
        else:
            added.append(form_id)
    return added


def _check_undoable(record: MergeRecord, current: Lead) -> None:
    merge = record.merge_id
    if current.lead_id != record.survivor_id:
        raise ValueError(f"merge {merge} kept lead {record.survivor_id}, not {current.lead_id}")
    if record.other_id not in current.merged_from:
        raise ValueError(f"merge {merge} is not in effect: lead {current.lead_id} no longer holds {record.other_id}")
    absorbed = [lead_id for lead_id in current.merged_from if lead_id not in record.survivor_after.merged_from]
    if absorbed:
        raise ValueError(
            f"lead {current.lead_id} has absorbed {', '.join(absorbed)} since merge {merge}; undo those merges first"
        )
    if current.stage != record.survivor_after.stage and current.stage in _DECIDED_STAGES:
        raise ValueError(
            f"lead {current.lead_id} was moved to stage {current.stage.value!r} after merge {merge}; which lead that "
            f"belongs to is a person's call: move it back to {record.survivor_after.stage.value!r}, then unmerge"
        )


def _changes_since(before: Lead, after: Lead, current: Lead) -> dict[str, Any]:
    """What changed on the merged lead since the merge, applied to the survivor as it was before it."""
    updates: dict[str, Any] = {}
    for name in Lead.model_fields:
        if name in _NOT_CARRIED or name in _REVERTED_BY_UNMERGE:
            continue
        if name == "fields":
            value: Any = _carry_dict(before.fields, after.fields, current.fields)
        elif name == "verified_fields":
            value = _carry_list(before.verified_fields, after.verified_fields, current.verified_fields)
        elif name == "emails":  # an address the other lead brought goes back with it; one given since stays
            value = _carry_list(before.emails, after.emails, current.emails)
        elif getattr(current, name) != getattr(after, name):
            value = getattr(current, name)
        else:
            continue
        if value != getattr(before, name):
            updates[name] = value
    return updates


def _carry_dict(
    before: dict[str, CustomValue], after: dict[str, CustomValue], current: dict[str, CustomValue]
) -> dict[str, CustomValue]:
    result = dict(before)
    for key in dict.fromkeys([*after, *current]):
        if (key in current, current.get(key)) != (key in after, after.get(key)):
            if key in current:
                result[key] = current[key]
            else:
                result.pop(key, None)
    return result


def _carry_list(before: list[str], after: list[str], current: list[str]) -> list[str]:
    removed = {item for item in after if item not in current}
    added = [item for item in current if item not in after and item not in before]
    return [*(item for item in before if item not in removed), *added]
