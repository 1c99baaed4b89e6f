"""What the merged lead keeps: the survivor's id, times and sources from the right lead, every submission and
activity once, the more advanced stage, and a merge id that a retry repeats."""

from __future__ import annotations

import pytest
from leadflow.domain.lead_merge import unmerge
from leadflow.domain.merge import MAX_ACTIVITY, add_activity
from leadflow.domain.scoring import score_lead
from leadflow.models.lead import Stage
from leadflow.models.rules import ScoringRuleSet
from leadflow.models.submission import Source

from tests.unit.conftest import NOW, event
from tests.unit.lead_merge.conftest import DAY, lead, merge, saved, score, sub_id


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
    assert len(merged.submission_ids) == 3
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
