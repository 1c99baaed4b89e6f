"""Leads stored as the pipeline leaves them, written straight into moto's tables: what the scale benchmarks need a
table full of, without paying a pipeline run (or a boto3 call) per stored lead.

`MatchRecord`s of the labelled generator (tests/bench/dedupe_data.py) become either

- `match_items`: the profile, the email claim and the match-index entries (what deduplication reads), or
- `pipeline_items`: all of those and what the later steps leave that a later lead's run can read: firmographics and
  the account (its profile once, a member item per lead), the score and stage by the demo scoring rules, an owner
  for the MQLs (so the by_owner index and the account-owner lookup have something to find), the decay entry in the
  due index, the phone claim, and the submission, processed.

Each lead is built by the domain's own functions (apply_submission, the blocking keys, enrichment, score_lead,
with_decay_due) and laid out by leadflow.adapters.layout, so a layout change reaches the benchmarks too.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from leadflow.adapters import layout
from leadflow.domain.accounts import account_for
from leadflow.domain.enrichment import DirectoryProvider, DomainDirectory, enrich_with
from leadflow.domain.identity import canonical_email, canonical_phone, email_domain
from leadflow.domain.matching import MatchRecord, blocking_keys, prepare
from leadflow.domain.merge import apply_submission
from leadflow.domain.scoring import score_lead, stage_after_scoring
from leadflow.models.lead import Assignment, Lead, Stage
from leadflow.models.rules import RepRoster, ScoringRuleSet, parse_ruleset
from leadflow.models.submission import StoredSubmission, SubmissionIn, SubmissionStatus
from leadflow.services.dedupe import record_fields, with_match_keys
from leadflow.services.pipeline import with_decay_due
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

from infra.config_documents import CONFIG_DIR, read_document
from infra.local.deployment import ACCOUNT_ID, REGION

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FORMS = ("demo-request", "contact-sales", "newsletter", "ebook-download", "webinar-registration")
ARRIVALS = 240  # stored leads arrived at one of this many moments, 6 hours apart (the last 60 days)


def lead_of(record: MatchRecord, number: int) -> Lead | None:
    """The profile, email claim and blocking keys of a record (no later step's data); None without a usable email."""
    if not record.email:
        return None
    try:
        canonical = canonical_email(record.email)
    except ValueError:
        return None
    return Lead(
        lead_id=f"lead_{number:026d}",
        email=record.email,
        email_canonical=canonical,
        first_name=record.first_name,
        last_name=record.last_name,
        phone=record.phone,
        company=record.company,
        title=record.title,
        country=record.country,
        created_at=NOW,
        updated_at=NOW,
        match_keys=blocking_keys(prepare(record)),
    )


def match_items(lead: Lead) -> list[layout.Item]:
    return [
        layout.lead_item(lead, 1),
        {
            **layout.identity_key("email", lead.email_canonical),
            "kind": "email",
            "value": lead.email_canonical,
            "lead_id": lead.lead_id,
        },
        *(layout.block_item(key, lead.lead_id, record_fields(lead)) for key in lead.match_keys),
    ]


def submission_of(record: MatchRecord, form_id: str | None = None, *, consent: bool = False) -> SubmissionIn | None:
    """The form a record's person filled in; None when the intake would refuse it (no or a malformed email)."""
    try:
        return SubmissionIn(
            email=record.email or "",
            first_name=record.first_name,
            last_name=record.last_name,
            phone=record.phone,
            company=record.company,
            title=record.title,
            country=record.country,
            form_id=form_id,
            consent=consent,
        )
    except ValueError:
        return None


@dataclass
class PipelineRules:
    """The demo rules a user's local runtime publishes, and the accounts and identities already stored."""

    scoring: ScoringRuleSet
    roster: RepRoster
    directory: DomainDirectory
    accounts_seen: set[str] = field(default_factory=set)
    claimed: set[str] = field(default_factory=set)  # "email:<canonical>", "phone:<E.164>"

    @classmethod
    def demo(cls) -> PipelineRules:
        scoring = parse_ruleset("scoring", read_document("scoring", CONFIG_DIR), version=1)
        roster = parse_ruleset("reps", read_document("reps", CONFIG_DIR), version=1)
        assert isinstance(scoring, ScoringRuleSet) and isinstance(roster, RepRoster)
        return cls(scoring, roster, DomainDirectory.bundled())


def stored_lead(record: MatchRecord, number: int, rules: PipelineRules) -> tuple[Lead, StoredSubmission] | None:
    """The lead one form submission made after the whole pipeline: deduplicated (a new lead), enriched, scored and,
    when an MQL, assigned; the submission processed. None when the intake would refuse the record, or its address is
    a stored lead's already (a person's records that differ otherwise are stored as the look-alikes they are)."""
    submission_in = submission_of(record, FORMS[number % len(FORMS)], consent=number % 3 != 0)
    if submission_in is None or f"email:{canonical_email(submission_in.email)}" in rules.claimed:
        return None  # refused at intake, or the same address again: the pipeline would join it to its lead
    rules.claimed.add(f"email:{canonical_email(submission_in.email)}")
    at = NOW - timedelta(hours=6 * (number % ARRIVALS))
    lead_id = f"lead_{number:026d}"
    submission = StoredSubmission(
        submission_id=f"sub_{number:026d}", received_at=at, data=submission_in, lead_id=lead_id
    )
    lead = with_match_keys(apply_submission(None, submission, lead_id, at))
    lead = lead.model_copy(
        update={"firmographics": enrich_with(email_domain(lead.email_canonical), DirectoryProvider(rules.directory))}
    )
    account = account_for(lead, rules.directory, at)
    score = score_lead(lead, rules.scoring, NOW)
    lead = lead.model_copy(
        update={
            "account_id": account.account_id if account else None,
            "score": score,
            "stage": stage_after_scoring(lead, score),
        }
    )
    lead = with_decay_due(lead)
    if lead.stage is Stage.MQL:
        lead = assigned(lead, rules.roster, at)
    done = submission.model_copy(update={"status": SubmissionStatus.PROCESSED})
    return lead, done


def assigned(lead: Lead, roster: RepRoster, at: datetime) -> Lead:
    """The MQL with an owner: the same rep for every lead of an account (as the account-owner rule would have it)."""
    reps = [rep for rep in roster.reps if rep.active]
    rep = reps[zlib.crc32((lead.account_id or lead.lead_id).encode()) % len(reps)]
    assignment = Assignment(
        rep_id=rep.rep_id,
        rep_name=rep.name,
        rep_email=rep.email,
        rule="everyone-else",
        pool="team:inside-sales",
        ruleset_version=roster.version,
        assigned_at=at + timedelta(seconds=1),
        strategy="round_robin",
    )
    return lead.model_copy(update={"owner_id": rep.rep_id, "assignment": assignment, "updated_at": at})


def pipeline_items(lead: Lead, submission: StoredSubmission, rules: PipelineRules) -> list[layout.Item]:
    # The score's explanation (a line per rule met, an entry per event counted) stays out: it is most of a profile's
    # size in moto's memory and load time, and no later lead's run reads it (a lead scored again is scored afresh).
    if lead.score is not None:
        lead = lead.model_copy(update={"score": lead.score.model_copy(update={"lines": [], "contributions": []})})
    items = match_items(lead)
    phone = canonical_phone(lead.phone, lead.country)
    if phone and f"phone:{phone}" not in rules.claimed:  # the first lead with the number claims it
        rules.claimed.add(f"phone:{phone}")
        items.append({**layout.identity_key("phone", phone), "kind": "phone", "value": phone, "lead_id": lead.lead_id})
    account = account_for(lead, rules.directory, lead.created_at)
    if account is not None:
        if account.account_id not in rules.accounts_seen:
            rules.accounts_seen.add(account.account_id)
            items.append(layout.account_item(account))
        items.append({**layout.account_member_key(account.account_id, lead.lead_id), "lead_id": lead.lead_id})
    items.append(layout.submission_item(submission))
    return items


def put_straight(table_name: str, items: Iterable[layout.Item]) -> int:
    """Store items in moto's table as PutItem would leave them, without a request, a condition or moto's size checks
    (a bench shortcut: the items are the layout's, far below the size limit). Numbers as DynamoDB stores them."""
    table = dynamodb_backends[ACCOUNT_ID][REGION].get_table(table_name)
    assert table.range_key_attr is not None, "every leadflow table has a sort key"
    written = 0
    for item in items:
        attrs = {name: _typed(value) for name, value in item.items()}
        hash_value, range_value = attrs[table.hash_key_attr], attrs[table.range_key_attr]
        stored = Item(hash_value, range_value, {})
        stored.attrs = LimitedSizeDict(attrs)  # a dict's update: no per-attribute size walk
        table.items[hash_value][range_value] = stored
        written += 1
    return written


def _typed(value: Any) -> DynamoType:
    """A value of an item as moto holds it (what DynamoType({"S": ...}) builds from a request, without the request)."""
    typed = DynamoType.__new__(DynamoType)
    if isinstance(value, str):
        typed.type, typed.value = "S", value
    elif isinstance(value, bool):
        typed.type, typed.value = "BOOL", value
    elif value is None:
        typed.type, typed.value = "NULL", True
    elif isinstance(value, int | float | Decimal):
        typed.type, typed.value = "N", str(layout.to_dynamo(value))
    elif isinstance(value, Mapping):
        typed.type, typed.value = "M", {name: _typed(inner) for name, inner in value.items()}
    elif isinstance(value, list | tuple):
        typed.type, typed.value = "L", [_typed(inner) for inner in value]
    else:
        raise TypeError(f"cannot store a {type(value).__name__} in DynamoDB")
    return typed


def preload_pipeline(table_name: str, records: list[MatchRecord], rules: PipelineRules, leads: int) -> dict[str, int]:
    """Store records as the pipeline would have until `leads` leads are stored (a person's records that share an
    address make one lead); counts of leads, MQLs, accounts, items written and records used."""
    counts = {"leads": 0, "mql": 0, "accounts": 0, "items": 0, "records": 0}
    for number, record in enumerate(records):
        if counts["leads"] == leads:
            break
        counts["records"] += 1
        built = stored_lead(record, number, rules)
        if built is None:
            continue
        lead, submission = built
        counts["items"] += put_straight(table_name, pipeline_items(lead, submission, rules))
        counts["leads"] += 1
        counts["mql"] += lead.stage is Stage.MQL
    if counts["leads"] < leads:
        raise ValueError(f"{len(records)} records made {counts['leads']} leads, fewer than the {leads} asked for")
    counts["accounts"] = len(rules.accounts_seen)
    return counts
