"""The sweeper: a submission accepted but never carried through the pipeline (its run was lost in a crash, or its
lead.submitted event never started one) is published again, a bounded number of times, then given up as failed.

Intake files every submission in the sparse due index at `received_at + SWEEP_AFTER`; the pipeline's last state (or
its failure handling) takes it out. A scheduled run reads the index up to now, so its cost follows the number of
stuck submissions, never the table. Republishing is safe because every pipeline step is idempotent: a submission
that was in fact mid-run joins the same lead once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from leadflow.models.events import LeadSubmitted, PipelineFailed
from leadflow.models.submission import StoredSubmission, SubmissionStatus
from leadflow.ports import Clock, EventBus, Submissions

# A run takes about a second and an EXPRESS execution at most five minutes; five more leave room for its retries.
SWEEP_AFTER = timedelta(minutes=5)
MAX_SWEEPS = 3  # republications before a submission is given up (marked failed, in the dead-letter queue)
PAGE = 100
STUCK_ERROR = "SubmissionStuck"


@dataclass(frozen=True)
class SweepDeps:
    store: Submissions
    bus: EventBus
    clock: Clock


@dataclass(frozen=True)
class SweepRun:
    republished: int
    given_up: int


def first_sweep_at(received_at: datetime) -> datetime:
    """When intake files a new submission for the sweeper."""
    return received_at + SWEEP_AFTER


def next_sweep_at(now: datetime, sweeps: int) -> datetime:
    """After the n-th republication, look again after twice as long as the wait before (10, 20, 40 minutes): a run
    slowed by an outage gets room to finish."""
    return now + SWEEP_AFTER * int(2**sweeps)


def sweep_stuck_submissions(deps: SweepDeps, *, page: int = PAGE) -> SweepRun:
    """Republish lead.submitted for every submission still `received` whose sweep is due; after MAX_SWEEPS, mark it
    failed and publish lead.pipeline_failed, which puts it in the dead-letter queue for `leadflow redrive`."""
    now = deps.clock.now()
    seen: set[str] = set()
    republished = given_up = 0
    while True:
        # A visited submission moves to a later time or leaves the index, so each page holds new ones; the index is
        # eventually consistent, so one just visited may show up once more: skip it.
        due = [sid for sid in deps.store.due_submissions(now, page) if sid not in seen]
        if not due:
            break
        for submission_id in due:
            seen.add(submission_id)
            submission = deps.store.get_submission(submission_id)
            if submission is None or submission.status is not SubmissionStatus.RECEIVED:
                continue  # finished since the index was read
            if submission.due_at is not None and submission.due_at > now:
                continue  # another sweeper republished it after this one read the index
            if submission.sweeps >= MAX_SWEEPS:
                _give_up(deps, submission)
                given_up += 1
            elif _republish(deps, submission, now):
                republished += 1
    return SweepRun(republished=republished, given_up=given_up)


def _republish(deps: SweepDeps, submission: StoredSubmission, now: datetime) -> bool:
    sweeps = submission.sweeps + 1
    # Counted before publishing: a publish that fails is retried at the next visit, and the count still bounds it.
    if not deps.store.reschedule_submission(submission.submission_id, sweeps=sweeps, due_at=next_sweep_at(now, sweeps)):
        return False  # another sweeper took this visit, or the run finished meanwhile
    deps.bus.publish(
        [
            LeadSubmitted(
                submission_id=submission.submission_id, received_at=submission.received_at, submission=submission.data
            )
        ]
    )
    return True


def _give_up(deps: SweepDeps, submission: StoredSubmission) -> None:
    cause = f"still received after {submission.sweeps} republications of lead.submitted"
    # Published before marking: if marking fails the next run publishes again (a redrive replays idempotently);
    # the other order could leave a failed submission with no dead letter to replay it from.
    deps.bus.publish(
        [
            PipelineFailed(
                submission_id=submission.submission_id,
                received_at=submission.received_at,
                submission=submission.data,
                error={"Error": STUCK_ERROR, "Cause": cause},
            )
        ]
    )
    deps.store.mark_submission(submission.submission_id, SubmissionStatus.FAILED, error=f"{STUCK_ERROR}: {cause}")
