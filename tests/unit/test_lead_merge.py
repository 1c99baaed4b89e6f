"""Merging two leads that are one person, and undoing it: survivorship per field, no double counting, exact undo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from leadflow.domain.lead_merge import MergeOutcome, merge_leads, unmerge
from leadflow.domain.merge import MAX_ACTIVITY, add_activity, apply_submission
from leadflow.domain.scoring import score_lead
from leadflow.models.lead import Assignment, Firmographics, Lead, Score, Stage
from leadflow.models.merge import MergeRecord
from leadflow.models.rules import MergeRules, ScoringRuleSet
from leadflow.models.submission import Source, StoredSubmission
from pydantic import ValidationError

from tests.unit.conftest import NOW, event, load_config

SubmissionFactory = Callable[..., StoredSubmission]
DAY = timedelta(days=1)
RULES = MergeRules()


def sub_id(minute: int) -> str:
    """A submission id as leadflow.ids makes them: it sorts by the time it was received."""
    return f"sub_{minute:010d}{0:016d}"


def lead(lead_id: str, *, created: datetime = NOW, last: datetime | None = None, **values: Any) -> Lead:
    base: dict[str, Any] = {
        "email": f"{lead_id}@northwind.example",
        "email_canonical": f"{lead_id}@northwind.example",
        "created_at": created,
        "updated_at": last or created,
        "last_submitted_at": last or created,
    }
    return Lead(lead_id=lead_id, **(base | values))


def score(at: datetime, *, fit: int = 30, engagement: float = 42, qualifies: bool = True) -> Score:
    """A stored score, as the scorer left it on a lead."""
    return Score(
        fit=fit,
        engagement=engagement,
        total=fit + engagement,
        grade="B",
        level=2,
        qualifies=qualifies,
        next_change_at=at + 5 * DAY if qualifies else None,
        ruleset_version=1,
        scored_at=at,
    )


def merge(survivor: Lead, other: Lead, rules: MergeRules = RULES) -> MergeOutcome:
    return merge_leads(survivor, other, rules, evidence=None, actor="rep:sam", now=NOW + 30 * DAY)


def saved(merged: Lead) -> Lead:
    """The merged lead as the store holds it after saving it with expected_version=merged.version."""
    return merged.model_copy(update={"version": merged.version + 1})


def test_merge_then_unmerge_restores_both_leads_exactly() -> None:
    survivor = lead(
        "lead-a",
        version=4,
        created=NOW,
        last=NOW + 2 * DAY,
        first_name="Ada",
        title="CTO",
        phone="+442079460958",
        fields={"seats": 10, "crm": "salesforce"},
        submission_ids=[sub_id(1), sub_id(3)],
        form_ids=["newsletter", "demo-request"],
        first_source=Source(form_id="newsletter", utm_source="linkedin"),
        last_source=Source(form_id="demo-request"),
        firmographics=Firmographics(domain="northwind.example", company_name="Northwind"),
        score=score(NOW + 2 * DAY),
        stage=Stage.MQL,
        due_at=NOW + 7 * DAY,
        due_job="decay",
        verified_fields=["phone"],
        activity=[
            event(sub_id(1), "form_submitted", at=NOW, form_id="newsletter"),
            event("generic:visit-1", "page_visit", at=NOW + DAY, url="https://northwind.example/pricing"),
            event(sub_id(3), "form_submitted", at=NOW + 2 * DAY, form_id="demo-request"),
        ],
    )
    other = lead(
        "lead-b",
        version=2,
        created=NOW - DAY,
        last=NOW + 5 * DAY,
        email="Ada <ada@gmail.com>",
        email_canonical="ada@gmail.com",
        last_name="Lovelace",
        title="Chief Technology Officer",
        phone="+44 20 7946 0000",
        consent=True,
        fields={"seats": 25, "budget": "50k"},
        submission_ids=[sub_id(0), sub_id(3), sub_id(7)],
        form_ids=["webinar-registration", "demo-request", "contact-sales"],
        first_source=Source(form_id="webinar-registration"),
        last_source=Source(form_id="contact-sales"),
        owner_id="rep-1",
        assignment=Assignment(
            rep_id="rep-1", rep_name="Rep", rule="round_robin", pool="default", ruleset_version=1, assigned_at=NOW
        ),
        merged_from=["lead-c"],
        activity=[
            event(sub_id(0), "form_submitted", at=NOW - DAY, form_id="webinar-registration"),
            event(sub_id(3), "form_submitted", at=NOW + 2 * DAY, form_id="demo-request"),
            event("generic:web-1", "webinar_attended", at=NOW + 3 * DAY),
            event(sub_id(7), "form_submitted", at=NOW + 5 * DAY, form_id="contact-sales"),
        ],
    )
    outcome = merge(survivor, other)
    stored_record = MergeRecord.model_validate_json(outcome.record.model_dump_json())

    restored_survivor, restored_other = unmerge(stored_record, saved(outcome.merged))

    assert restored_survivor.model_dump(exclude={"version"}) == survivor.model_dump(exclude={"version"})
    assert restored_other.model_dump(exclude={"version"}) == other.model_dump(exclude={"version"})
    assert (restored_survivor.version, restored_other.version) == (5, 2)


def test_the_merged_lead_keeps_the_survivors_id_and_takes_times_and_sources_from_the_right_lead() -> None:
    survivor = lead(
        "lead-a",
        created=NOW,
        last=NOW + DAY,
        first_source=Source(form_id="demo-request"),
        last_source=Source(form_id="demo-request"),
        version=3,
    )
    other = lead(
        "lead-b",
        created=NOW - DAY,
        last=NOW + 2 * DAY,
        consent=True,
        first_source=Source(form_id="newsletter"),
        last_source=Source(form_id="contact-sales"),
    )

    merged = merge(survivor, other).merged

    assert (merged.lead_id, merged.version) == ("lead-a", 3)
    assert (merged.created_at, merged.last_submitted_at, merged.updated_at) == (
        NOW - DAY,
        NOW + 2 * DAY,
        NOW + 30 * DAY,
    )
    assert merged.first_source == Source(form_id="newsletter")
    assert merged.last_source == Source(form_id="contact-sales")
    assert merged.consent is True


def test_a_submission_held_by_both_leads_counts_once_and_ids_follow_time() -> None:
    survivor = lead("lead-a", submission_ids=[sub_id(5), sub_id(9)], form_ids=["demo-request", "newsletter"])
    other = lead(
        "lead-b",
        created=NOW - DAY,
        submission_ids=[sub_id(2), sub_id(9)],
        form_ids=["webinar-registration", "newsletter"],
    )

    merged = merge(survivor, other).merged

    assert merged.submission_ids == [sub_id(2), sub_id(5), sub_id(9)]
    assert merged.submission_count == 3
    assert sorted(merged.form_ids) == ["demo-request", "newsletter", "webinar-registration"]


def test_the_same_form_submitted_on_each_lead_counts_twice() -> None:
    survivor = lead("lead-a", submission_ids=[sub_id(5)], form_ids=["demo-request"])
    other = lead("lead-b", submission_ids=[sub_id(2)], form_ids=["demo-request"])

    merged = merge(survivor, other).merged

    assert (merged.submission_ids, merged.form_ids) == ([sub_id(2), sub_id(5)], ["demo-request", "demo-request"])


def test_the_merged_lead_keeps_both_leads_activity_once_oldest_first() -> None:
    shared = event(sub_id(3), "form_submitted", at=NOW + DAY, form_id="demo-request")
    survivor = lead(
        "lead-a", activity=[event("generic:visit-1", "page_visit", at=NOW, url="https://northwind.example"), shared]
    )
    other = lead(
        "lead-b",
        activity=[
            event("generic:open-1", "email_open", at=NOW - DAY),
            shared,
            event("generic:web-1", "webinar_attended", at=NOW + 2 * DAY),
        ],
    )

    merged = merge(survivor, other).merged

    assert [item.event_id for item in merged.activity] == [
        "generic:open-1",
        "generic:visit-1",
        sub_id(3),
        "generic:web-1",
    ]


def test_rescoring_the_merged_lead_counts_an_event_both_leads_hold_once(default_scoring: ScoringRuleSet) -> None:
    shared = event("generic:web-1", "webinar_attended", at=NOW)
    survivor = lead("lead-a", activity=[shared])
    other = lead("lead-b", activity=[shared, event("generic:web-2", "webinar_attended", at=NOW + DAY)])

    merged = merge(survivor, other).merged
    rescored = score_lead(merged, default_scoring, NOW + DAY)

    assert [item.event_id for item in rescored.contributions] == ["generic:web-1", "generic:web-2"]


def test_the_merged_lead_keeps_the_newest_activity_when_together_they_hold_too_much() -> None:
    survivor = lead("lead-a", activity=[event(f"a-{n:03d}", "email_open", at=NOW + n * DAY) for n in range(300)])
    other = lead("lead-b", activity=[event(f"b-{n:03d}", "email_open", at=NOW + (n * DAY) / 2) for n in range(300)])

    merged = merge(survivor, other).merged

    newest = sorted([*survivor.activity, *other.activity], key=lambda item: (item.occurred_at, item.event_id))
    assert len(merged.activity) == MAX_ACTIVITY
    assert merged.activity == newest[-MAX_ACTIVITY:]


def test_unmerge_gives_each_lead_its_activity_back_and_activity_since_stays_on_the_survivor() -> None:
    shared = event(sub_id(3), "form_submitted", at=NOW + DAY, form_id="demo-request")
    survivor = lead("lead-a", activity=[event("generic:visit-1", "page_visit", at=NOW), shared])
    other = lead("lead-b", activity=[shared, event("generic:web-1", "webinar_attended", at=NOW + 2 * DAY)])
    outcome = merge(survivor, other)
    since = event("generic:click-1", "email_click", at=NOW + 40 * DAY)
    current = saved(outcome.merged).model_copy(
        update={"activity": add_activity(outcome.merged.activity, since), "updated_at": NOW + 40 * DAY}
    )

    restored, restored_other = unmerge(outcome.record, current)

    assert [item.event_id for item in restored.activity] == ["generic:visit-1", sub_id(3), "generic:click-1"]
    assert restored_other.activity == other.activity


def test_submission_ids_without_a_time_keep_the_older_leads_first() -> None:
    survivor = lead("lead-a", submission_ids=["import-7", "import-3"])
    other = lead("lead-b", created=NOW - DAY, submission_ids=["import-9", "import-3"])

    assert merge(survivor, other).merged.submission_ids == ["import-9", "import-3", "import-7"]


def test_a_verified_value_survives_a_newer_unverified_one() -> None:
    survivor = lead("lead-a", last=NOW, phone="+442079460958", verified_fields=["phone"])
    other = lead("lead-b", last=NOW + DAY, phone="+442079460000", title="CTO")

    outcome = merge(survivor, other)

    assert outcome.merged.phone == "+442079460958"
    assert outcome.merged.verified_fields == ["phone"]
    assert outcome.record.field_sources["phone"] == "lead-a"
    assert outcome.record.field_sources["title"] == "lead-b"


def test_a_verified_value_on_the_other_lead_beats_the_survivor_strategy() -> None:
    survivor = lead("lead-a", company="Northwind")
    other = lead("lead-b", company="Northwind Traders Ltd", verified_fields=["company"])

    merged = merge(survivor, other, MergeRules(default="survivor")).merged

    assert (merged.company, merged.verified_fields) == ("Northwind Traders Ltd", ["company"])


def test_an_empty_value_never_replaces_a_value_whatever_the_strategy() -> None:
    survivor = lead("lead-a", title=" ", fields={"crm": None})
    other = lead("lead-b", last=NOW - DAY, title="CTO", fields={"crm": "hubspot"})

    merged = merge(survivor, other, MergeRules(default="survivor", custom_fields="survivor")).merged

    assert (merged.title, merged.fields) == ("CTO", {"crm": "hubspot"})


def test_most_trusted_takes_the_value_from_the_lead_with_the_more_trusted_source() -> None:
    rules = MergeRules(fields={"company": "most_trusted"}, source_trust=["sales-call", "demo-request"])
    survivor = lead(
        "lead-a",
        last=NOW + DAY,
        company="northwind",
        title="VP Engineering",
        form_ids=["newsletter"],
        last_source=Source(form_id="newsletter", utm_source="linkedin"),
    )
    other = lead(
        "lead-b",
        last=NOW,
        company="Northwind Traders",
        title="Engineer",
        form_ids=["demo-request"],
        last_source=Source(form_id="demo-request"),
    )

    merged = merge(survivor, other, rules).merged

    assert merged.company == "Northwind Traders"
    assert merged.title == "VP Engineering"  # most_recent, the default


def test_most_trusted_with_equal_trust_takes_the_most_recent_value() -> None:
    rules = MergeRules(default="most_trusted", source_trust=["Sales-Call"])
    survivor = lead("lead-a", last=NOW, country="UK", last_source=Source(utm_source="sales-call"))
    other = lead("lead-b", last=NOW + DAY, country="United Kingdom", form_ids=["sales-call"])

    assert merge(survivor, other, rules).merged.country == "United Kingdom"


def test_oldest_takes_the_value_of_the_lead_created_first() -> None:
    survivor = lead("lead-a", created=NOW, first_name="Ada")
    other = lead("lead-b", created=NOW - DAY, last=NOW - DAY, first_name="Augusta")

    assert merge(survivor, other, MergeRules(fields={"first_name": "oldest"})).merged.first_name == "Augusta"


def test_a_newer_work_address_comes_with_its_canonical_form_and_firmographics() -> None:
    survivor = lead("lead-a", last=NOW, firmographics=Firmographics(domain="northwind.example"))
    other = lead(
        "lead-b",
        last=NOW + DAY,
        email="Ada.L@Contoso.example",
        email_canonical="ada.l@contoso.example",
        firmographics=Firmographics(domain="contoso.example"),
        account_id="contoso.example",
    )

    merged = merge(survivor, other).merged

    assert (merged.email, merged.email_canonical) == ("Ada.L@Contoso.example", "ada.l@contoso.example")
    assert merged.firmographics == Firmographics(domain="contoso.example")
    assert merged.account_id == "contoso.example"
    assert merged.emails == ["Ada.L@Contoso.example", "lead-a@northwind.example"]


def test_a_newer_free_mail_address_never_replaces_the_work_address_or_its_firmographics() -> None:
    known = Firmographics(domain="northwind.example", company_name="Northwind", industry="fintech", known=True)
    survivor = lead("lead-a", last=NOW, firmographics=known, account_id="northwind.example")
    other = lead(
        "lead-b",
        last=NOW + DAY,
        email="ada@gmail.com",
        email_canonical="ada@gmail.com",
        firmographics=Firmographics(domain="gmail.com", free_mail=True),
    )

    merged = merge(survivor, other).merged

    assert (merged.email, merged.email_canonical) == ("lead-a@northwind.example", "lead-a@northwind.example")
    assert (merged.firmographics, merged.account_id) == (known, "northwind.example")
    assert merged.emails == ["lead-a@northwind.example", "ada@gmail.com"]


def test_a_merge_keeps_the_known_company_even_when_the_newer_work_address_is_unknown() -> None:
    known = Firmographics(domain="northwind.example", company_name="Northwind", known=True)
    survivor = lead("lead-a", last=NOW, firmographics=known, account_id="northwind.example")
    other = lead(
        "lead-b", last=NOW + DAY, email="ada@nw-labs.example", firmographics=Firmographics(domain="nw-labs.example")
    )

    merged = merge(survivor, other).merged

    assert merged.email == "ada@nw-labs.example"
    assert (merged.firmographics, merged.account_id) == (known, "northwind.example")


def test_a_plain_address_outranks_a_plus_tagged_one_of_the_same_mailbox() -> None:
    survivor = lead("lead-a", last=NOW, email="Priya.Raman@northwind.example")
    other = lead("lead-b", last=NOW + DAY, email="Priya.Raman+webinar@northwind.example")

    assert merge(survivor, other).merged.email == "Priya.Raman@northwind.example"


@pytest.mark.parametrize(
    ("survivor_stage", "other_stage", "expected"),
    [
        (Stage.NEW, Stage.MQL, Stage.MQL),
        (Stage.SQL, Stage.RECYCLED, Stage.SQL),
        (Stage.RECYCLED, Stage.NEW, Stage.RECYCLED),
        (Stage.OPPORTUNITY, Stage.CUSTOMER, Stage.CUSTOMER),
        (Stage.DISQUALIFIED, Stage.MQL, Stage.MQL),
        (Stage.NEW, Stage.DISQUALIFIED, Stage.NEW),
        (Stage.DISQUALIFIED, Stage.DISQUALIFIED, Stage.DISQUALIFIED),
    ],
)
def test_the_merged_lead_takes_the_more_advanced_stage(
    survivor_stage: Stage, other_stage: Stage, expected: Stage
) -> None:
    merged = merge(lead("lead-a", stage=survivor_stage), lead("lead-b", stage=other_stage)).merged

    assert merged.stage is expected


def test_the_score_is_left_for_the_caller_to_recompute_and_the_survivors_owner_is_kept() -> None:
    survivor = lead("lead-a", score=score(NOW, fit=10, engagement=10), owner_id="rep-1")
    other = lead("lead-b", score=score(NOW, fit=10, engagement=10), owner_id="rep-2")

    merged = merge(survivor, other).merged

    assert (merged.score, merged.owner_id) == (None, "rep-1")
    assert merge(lead("lead-a"), other).merged.owner_id == "rep-2"


def test_merged_from_follows_the_chain_of_merges() -> None:
    b = merge(lead("lead-b"), lead("lead-c")).merged
    a = merge(lead("lead-a", merged_from=["lead-x"]), b).merged

    assert a.merged_from == ["lead-x", "lead-b", "lead-c"]
    with pytest.raises(ValueError, match=r"lead-a and lead-c were already merged"):
        merge(a, lead("lead-c"))


def test_the_merge_id_is_the_same_when_the_same_merge_is_retried() -> None:
    first, again = merge(lead("lead-a"), lead("lead-b")), merge(lead("lead-a"), lead("lead-b"))

    assert first.record.merge_id == again.record.merge_id
    assert first.record.merge_id != merge(lead("lead-b"), lead("lead-a")).record.merge_id


def test_a_submission_that_arrived_after_the_merge_stays_on_the_survivor_when_unmerged(
    submission: SubmissionFactory,
) -> None:
    survivor = lead("lead-a", title="Engineer", submission_ids=[sub_id(1)], form_ids=["newsletter"])
    other = lead("lead-b", created=NOW - DAY, submission_ids=[sub_id(0)], form_ids=["webinar-registration"])
    outcome = merge(survivor, other)
    later = submission(
        submission_id=sub_id(99), received_at=NOW + 40 * DAY, title="VP Engineering", form_id="demo-request"
    )
    current = saved(apply_submission(saved(outcome.merged), later, "lead-a", NOW + 40 * DAY))

    restored, restored_other = unmerge(outcome.record, current)

    assert restored.submission_ids == [sub_id(1), sub_id(99)]
    assert restored.form_ids == ["newsletter", "demo-request"]
    assert (restored.title, restored.last_submitted_at) == ("VP Engineering", NOW + 40 * DAY)
    assert restored.version == current.version
    assert restored_other == other


def test_unmerge_undoes_the_score_stage_and_owner_decided_about_the_merged_lead() -> None:
    survivor, other = lead("lead-a"), lead("lead-b", consent=True)
    outcome = merge(survivor, other)
    current = saved(outcome.merged).model_copy(
        update={
            "score": score(NOW + 31 * DAY),
            "stage": Stage.MQL,
            "stage_changed_at": NOW + 31 * DAY,
            "owner_id": "rep-9",
            "due_at": NOW + 36 * DAY,
            "due_job": "decay",
            "updated_at": NOW + 31 * DAY,
        }
    )

    restored, _ = unmerge(outcome.record, current)

    assert restored.model_dump(exclude={"version"}) == survivor.model_dump(exclude={"version"})


def test_unmerge_is_refused_when_the_survivor_has_since_absorbed_another_lead() -> None:
    outcome = merge(lead("lead-a"), lead("lead-b"))
    current = saved(merge(saved(outcome.merged), lead("lead-d")).merged)

    with pytest.raises(ValueError, match=r"absorbed lead-d since merge merge_\w+; undo those merges first"):
        unmerge(outcome.record, current)


def test_unmerge_is_refused_when_a_person_moved_the_merged_lead_to_a_later_stage() -> None:
    outcome = merge(lead("lead-a", stage=Stage.MQL), lead("lead-b"))
    current = saved(outcome.merged).model_copy(update={"stage": Stage.SQL})

    with pytest.raises(ValueError, match=r"moved to stage 'sql' after merge"):
        unmerge(outcome.record, current)


def test_unmerge_is_refused_when_the_merge_was_already_undone() -> None:
    outcome = merge(lead("lead-a"), lead("lead-b"))
    restored, _ = unmerge(outcome.record, saved(outcome.merged))

    with pytest.raises(ValueError, match=r"not in effect"):
        unmerge(outcome.record, saved(restored))


def test_survivorship_rule_for_an_unknown_field_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"fields\n.*unknown field 'job_title'"):
        MergeRules.model_validate({"fields": {"job_title": "most_recent"}})


def test_an_unknown_strategy_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"fields\.title\n.*'most_recent', 'oldest', 'survivor'"):
        MergeRules.model_validate({"fields": {"title": "newest"}})


def test_most_trusted_without_a_trust_order_is_refused_naming_the_fields_using_it() -> None:
    with pytest.raises(ValidationError, match=r"'most_trusted' \(used for phone, custom_fields\) needs"):
        MergeRules.model_validate({"fields": {"phone": "most_trusted"}, "custom_fields": "most_trusted"})


def test_a_source_listed_twice_in_the_trust_order_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError, match=r"source 'Demo-Request' is listed more than once"):
        MergeRules.model_validate({"source_trust": ["demo-request", "Demo-Request"]})


def test_default_survivorship_config_is_valid() -> None:
    rules = MergeRules.model_validate(load_config("matching.yaml")["survivorship"])

    assert rules.source_trust


def test_unmerge_gives_the_other_lead_its_addresses_back_and_keeps_one_given_since() -> None:
    survivor = lead("lead-a", email="ada@northwind.example", emails=["ada@northwind.example"])
    other = lead("lead-b", email="ada@gmail.com", emails=["ada@gmail.com"])
    outcome = merge(survivor, other)
    later = saved(outcome.merged).model_copy(
        update={"emails": [*outcome.merged.emails, "ada+events@northwind.example"]}
    )

    restored, restored_other = unmerge(outcome.record, later)

    assert restored.emails == ["ada@northwind.example", "ada+events@northwind.example"]
    assert restored_other.emails == ["ada@gmail.com"]
