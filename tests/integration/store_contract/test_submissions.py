"""The store contract for submissions: stored once, read back as stored, marked, and filed for the sweeper."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from leadflow.models.submission import StoredSubmission, SubmissionStatus

from tests.integration.store_contract.conftest import (
    NOW,
    Stores,
    submission,
)


def test_a_submission_stored_twice_keeps_the_first(stores: Stores) -> None:
    assert stores.leads.put_submission(submission(first_name="Ada")) is True

    assert stores.leads.put_submission(submission(first_name="Grace")) is False

    stored = stores.leads.get_submission("sub-1")
    assert stored is not None and stored.data.first_name == "Ada"


def test_a_submission_reads_back_as_stored_including_custom_field_numbers(stores: Stores) -> None:
    original = submission(
        consent=True,
        utm_source="google",
        fields={"seats": 25, "budget": 1250.5, "ratio": 0.1, "trial": False, "x": None},
    )
    stores.leads.put_submission(original)

    assert stores.leads.get_submission("sub-1") == original


def test_an_unknown_submission_reads_as_none(stores: Stores) -> None:
    assert stores.leads.get_submission("nope") is None


def test_marking_a_submission_sets_status_and_keeps_what_is_not_given(stores: Stores) -> None:
    stores.leads.put_submission(submission())
    stores.leads.mark_submission("sub-1", SubmissionStatus.FAILED, error="enrich timed out")

    stores.leads.mark_submission("sub-1", SubmissionStatus.PROCESSED, lead_id="lead-1")

    stored = stores.leads.get_submission("sub-1")
    assert stored is not None
    assert (stored.status, stored.lead_id, stored.error) == (SubmissionStatus.PROCESSED, "lead-1", "enrich timed out")


def test_marking_an_unknown_submission_raises_lookup_error_and_creates_nothing(stores: Stores) -> None:
    with pytest.raises(LookupError):
        stores.leads.mark_submission("nope", SubmissionStatus.PROCESSED, lead_id="lead-1")

    assert stores.leads.get_submission("nope") is None


def received(submission_id: str, due_at: datetime) -> StoredSubmission:
    return submission(submission_id).model_copy(update={"due_at": due_at})


def test_received_submissions_are_listed_for_the_sweeper_once_due(stores: Stores) -> None:
    for number, minutes in enumerate((5, 1, 3, 30)):
        stores.leads.put_submission(received(f"sub-{number}", NOW + timedelta(minutes=minutes)))
    stores.leads.put_submission(submission("sub-never-filed"))  # stored before the sweeper existed

    due = stores.leads.due_submissions(NOW + timedelta(minutes=5))

    assert sorted(due) == ["sub-0", "sub-1", "sub-2"]
    assert stores.leads.due_submissions(NOW) == []
    assert stores.leads.due_leads("decay", NOW + timedelta(days=1)) == []  # the jobs' entries stay apart
    assert len(stores.leads.due_submissions(NOW + timedelta(hours=1), limit=2)) == 2


def test_a_submission_leaves_the_sweep_index_when_processed_failed_or_spam_but_not_when_linked(stores: Stores) -> None:
    for name in ("linked", "processed", "failed", "spam"):
        stores.leads.put_submission(received(name, NOW))

    stores.leads.mark_submission("linked", SubmissionStatus.RECEIVED, lead_id="lead-1")
    stores.leads.mark_submission("processed", SubmissionStatus.PROCESSED, lead_id="lead-1")
    stores.leads.mark_submission("failed", SubmissionStatus.FAILED, error="boom")
    stores.leads.mark_submission("spam", SubmissionStatus.SPAM)

    assert stores.leads.due_submissions(NOW) == ["linked"]
    processed = stores.leads.get_submission("processed")
    assert processed is not None and processed.due_at is None


def test_a_failed_submission_run_again_is_filed_for_the_sweeper_again_and_a_filed_one_keeps_its_time(
    stores: Stores,
) -> None:
    stores.leads.put_submission(received("redriven", NOW))
    stores.leads.put_submission(received("first-run", NOW))
    stores.leads.mark_submission("redriven", SubmissionStatus.FAILED, error="Score failed")
    later = NOW + timedelta(hours=2)

    stores.leads.mark_submission("redriven", SubmissionStatus.RECEIVED, lead_id="lead-1", sweep_at=later)
    stores.leads.mark_submission("first-run", SubmissionStatus.RECEIVED, lead_id="lead-2", sweep_at=later)

    assert stores.leads.due_submissions(NOW) == ["first-run"]
    assert sorted(stores.leads.due_submissions(later)) == ["first-run", "redriven"]
    redriven = stores.leads.get_submission("redriven")
    assert redriven is not None and (redriven.status, redriven.due_at) == (SubmissionStatus.RECEIVED, later)


def test_rescheduling_counts_a_sweep_once_and_files_the_submission_later(stores: Stores) -> None:
    stores.leads.put_submission(received("sub-1", NOW))
    later = NOW + timedelta(minutes=10)

    first = stores.leads.reschedule_submission("sub-1", sweeps=1, due_at=later)
    again = stores.leads.reschedule_submission("sub-1", sweeps=1, due_at=later)  # a second sweeper, same visit

    stored = stores.leads.get_submission("sub-1")
    assert (first, again) == (True, False)
    assert stored is not None and (stored.sweeps, stored.due_at) == (1, later)
    assert stores.leads.due_submissions(NOW + timedelta(minutes=9)) == []
    assert stores.leads.due_submissions(later) == ["sub-1"]
    assert stores.leads.reschedule_submission("sub-1", sweeps=2, due_at=later) is True


def test_a_submission_no_longer_received_is_not_rescheduled(stores: Stores) -> None:
    stores.leads.put_submission(received("sub-1", NOW))
    stores.leads.mark_submission("sub-1", SubmissionStatus.PROCESSED, lead_id="lead-1")

    assert stores.leads.reschedule_submission("sub-1", sweeps=1, due_at=NOW) is False
    assert stores.leads.reschedule_submission("nope", sweeps=1, due_at=NOW) is False
    assert stores.leads.due_submissions(NOW + timedelta(days=1)) == []
