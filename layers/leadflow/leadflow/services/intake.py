"""Accepting a submission: store it durably first, then announce it. The HTTP answer never waits for the pipeline."""

from __future__ import annotations

from typing import Protocol

from leadflow.ids import new_id
from leadflow.models.events import LeadSubmitted
from leadflow.models.submission import StoredSubmission, SubmissionIn, SubmissionStatus
from leadflow.ports import Clock, EventBus, Submissions
from leadflow.services.sweep import first_sweep_at


class IntakeDeps(Protocol):
    """What accepting a form submission works with: the submissions it stores, the bus and the clock."""

    @property
    def store(self) -> Submissions: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def clock(self) -> Clock: ...


def accept_submission(
    data: SubmissionIn, *, store: Submissions, bus: EventBus, clock: Clock, idempotency_key: str | None = None
) -> StoredSubmission:
    """Store the submission, then publish `lead.submitted`; a honeypot hit is stored as spam and goes no further.

    If publishing fails the submission is still stored (status `received`) and the error propagates, so the caller
    answers 5xx and the client retries; the pipeline joins a retried submission to the same lead. A submission whose
    run never finishes is published again by the sweeper (leadflow.services.sweep).
    """
    now = clock.now()
    submission = StoredSubmission(
        submission_id=new_id("sub", now),
        received_at=now,
        status=SubmissionStatus.SPAM if data.is_spam else SubmissionStatus.RECEIVED,
        data=data,
        idempotency_key=idempotency_key,
        due_at=None if data.is_spam else first_sweep_at(now),  # picked up again if its run is lost
    )
    store.put_submission(submission)
    if submission.status is SubmissionStatus.RECEIVED:
        bus.publish([LeadSubmitted(submission_id=submission.submission_id, received_at=now, submission=data)])
    return submission
