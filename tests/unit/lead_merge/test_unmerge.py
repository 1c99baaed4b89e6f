"""Undoing a merge: both leads restored exactly, what arrived since kept on the survivor, and when an undo is
refused."""

from __future__ import annotations

import pytest
from leadflow.domain.lead_merge import unmerge
from leadflow.domain.merge import apply_submission
from leadflow.models.lead import Assignment, Firmographics, Stage
from leadflow.models.merge import MergeRecord
from leadflow.models.submission import Source

from tests.unit.conftest import NOW, event
from tests.unit.lead_merge.conftest import DAY, SubmissionFactory, lead, merge, saved, score, sub_id


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
