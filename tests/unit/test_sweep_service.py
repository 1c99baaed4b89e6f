"""The sweeper: a submission accepted but never carried through the pipeline is published again after a few
minutes, a bounded number of times, then given up into the dead-letter path; anything finished is left alone."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from leadflow.models.events import LeadSubmitted, PipelineFailed, SubmissionState
from leadflow.models.submission import StoredSubmission, SubmissionIn, SubmissionStatus
from leadflow.services import pipeline
from leadflow.services.intake import accept_submission
from leadflow.services.pipeline_deps import PipelineDeps
from leadflow.services.sweep import MAX_SWEEPS, STUCK_ERROR, SweepDeps, SweepRun, sweep_stuck_submissions

from tests.unit.conftest import bus, clock, load_config, memory_deps

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def deps() -> PipelineDeps:
    return memory_deps(START, {})


def sweeper(deps: PipelineDeps) -> SweepDeps:
    return SweepDeps(store=deps.store, bus=deps.bus, clock=deps.clock)


def accepted(deps: PipelineDeps, email: str = "dana.whitfield@snowflake.com", **fields: object) -> StoredSubmission:
    """A submission intake stored and announced; the announcement is then forgotten, as a crash would lose its run."""
    data = SubmissionIn.model_validate({"email": email, "form_id": "demo-request", **fields})
    stored = accept_submission(data, store=deps.store, bus=deps.bus, clock=deps.clock)
    bus(deps).published.clear()
    return stored


def sweep_after(deps: PipelineDeps, minutes: float) -> SweepRun:
    clock(deps).advance(minutes=minutes)
    return sweep_stuck_submissions(sweeper(deps))


def status(deps: PipelineDeps, submission_id: str) -> StoredSubmission:
    stored = deps.store.get_submission(submission_id)
    assert stored is not None
    return stored


def test_a_submission_still_received_five_minutes_after_intake_is_published_again(deps: PipelineDeps) -> None:
    stuck = accepted(deps)

    run = sweep_after(deps, 5)

    assert run == SweepRun(republished=1, given_up=0)
    (republished,) = bus(deps).of_type(LeadSubmitted)
    assert (republished.submission_id, republished.received_at) == (stuck.submission_id, stuck.received_at)
    assert republished.submission == stuck.data
    assert status(deps, stuck.submission_id).sweeps == 1


def test_a_submission_is_not_swept_before_it_is_due(deps: PipelineDeps) -> None:
    accepted(deps)

    assert sweep_after(deps, 4.9) == SweepRun(republished=0, given_up=0)
    assert bus(deps).published == []


def test_a_processed_failed_or_spam_submission_is_never_swept(deps: PipelineDeps) -> None:
    processed, failed = accepted(deps, "a@snowflake.com"), accepted(deps, "b@snowflake.com")
    accepted(deps, "bot@snowflake.com", hp="filled by a bot")
    deps.store.mark_submission(processed.submission_id, SubmissionStatus.PROCESSED, lead_id="lead-1")
    deps.store.mark_submission(failed.submission_id, SubmissionStatus.FAILED, error="Score failed")

    assert sweep_after(deps, 60) == SweepRun(republished=0, given_up=0)
    assert bus(deps).published == []


def test_a_republished_submission_is_looked_at_again_later_each_time(deps: PipelineDeps) -> None:
    accepted(deps)
    sweep_after(deps, 5)

    # The second look comes 10 minutes after the first republication, the third 20 after the second.
    assert sweep_after(deps, 9).republished == 0
    assert sweep_after(deps, 1).republished == 1
    assert sweep_after(deps, 19).republished == 0
    assert sweep_after(deps, 1).republished == 1


def test_a_submission_that_never_completes_is_given_up_into_the_dead_letter_path(deps: PipelineDeps) -> None:
    poison = accepted(deps)
    runs = [sweep_after(deps, 60) for _ in range(MAX_SWEEPS + 2)]

    assert [run.republished for run in runs] == [1] * MAX_SWEEPS + [0, 0]
    assert [run.given_up for run in runs] == [0] * MAX_SWEEPS + [1, 0]
    given_up = status(deps, poison.submission_id)
    assert given_up.status is SubmissionStatus.FAILED and STUCK_ERROR in (given_up.error or "")
    (failure,) = bus(deps).of_type(PipelineFailed)
    assert failure.replay() == LeadSubmitted(
        submission_id=poison.submission_id, received_at=poison.received_at, submission=poison.data
    )
    assert failure.error["Error"] == STUCK_ERROR


def test_two_sweeps_at_once_republish_a_stuck_submission_once(deps: PipelineDeps) -> None:
    for number in range(10):
        accepted(deps, f"buyer{number}@snowflake.com")
    clock(deps).advance(minutes=5)
    barrier = threading.Barrier(2)
    runs: list[SweepRun] = []

    def sweep() -> None:
        barrier.wait()
        runs.append(sweep_stuck_submissions(sweeper(deps)))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(run.republished for run in runs) == 10
    assert len({event.submission_id for event in bus(deps).of_type(LeadSubmitted)}) == 10
    assert len(bus(deps).of_type(LeadSubmitted)) == 10


class LaggingIndex:
    """The leads store seen through a due index that still lists what it listed at the first read: a second sweeper
    that read the index before the first one rescheduled, or an eventually consistent index behind the table."""

    def __init__(self, deps: PipelineDeps, until: datetime) -> None:
        self._store = deps.store
        self._stale = deps.store.due_submissions(until, 100)

    def due_submissions(self, until: datetime, limit: int = 100) -> list[str]:
        return self._stale[:limit]

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


def test_a_sweeper_reading_the_index_before_another_republished_leaves_the_submission_alone(
    deps: PipelineDeps,
) -> None:
    stuck = accepted(deps)
    clock(deps).advance(minutes=5)
    late = LaggingIndex(deps, clock(deps).now())

    first = sweep_stuck_submissions(sweeper(deps))
    second = sweep_stuck_submissions(SweepDeps(store=late, bus=deps.bus, clock=deps.clock))  # type: ignore[arg-type]

    assert (first.republished, second.republished) == (1, 0)
    assert len(bus(deps).of_type(LeadSubmitted)) == 1
    assert status(deps, stuck.submission_id).sweeps == 1


def test_a_failed_submission_whose_redriven_run_is_lost_too_is_swept_again() -> None:
    deps = memory_deps(START, {"matching": load_config("matching.yaml")})
    failed = accepted(deps)
    deps.store.mark_submission(failed.submission_id, SubmissionStatus.FAILED, error="Score failed")
    assert sweep_after(deps, 60).republished == 0  # failed: the dead-letter queue has it, not the sweeper

    # A redrive starts the run again; it gets through dedupe, then the runtime dies.
    pipeline.dedupe(
        SubmissionState(submission_id=failed.submission_id, received_at=failed.received_at, submission=failed.data),
        deps,
    )
    assert status(deps, failed.submission_id).status is SubmissionStatus.RECEIVED

    assert sweep_after(deps, 5).republished == 1
