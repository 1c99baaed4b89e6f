"""A scheduled job's function (decay, recycle, training, the sweeper) answers its run's summary and writes one log
line when the run is worth one, whatever the job: the handler factory does it the same way for each."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import pytest
from leadflow.observability import metrics
from leadflow.step_handler import scheduled_job_handler


@dataclass(frozen=True)
class SweepRun:
    republished: int
    given_up: int


@dataclass(frozen=True)
class Context:
    function_name: str = "SweepFunction"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:SweepFunction"
    aws_request_id: str = "req-1"


def _sweeper(run: SweepRun, handed: list[Any]) -> Any:
    def job(deps: object) -> SweepRun:
        handed.append(deps)
        return run

    return scheduled_job_handler(
        job,
        lambda: "the sweeper's deps",
        counts={"SubmissionsRepublished": lambda r: r.republished},
        log=lambda r: ("warning", "stuck submissions swept") if r.republished or r.given_up else None,
    )


def _swept_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.getMessage() == "stuck submissions swept"]


def test_a_run_that_found_work_answers_its_summary_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    # given a sweep that republished two submissions and gave up on one
    handed: list[Any] = []
    handler = _sweeper(SweepRun(republished=2, given_up=1), handed)

    # when the schedule invokes the function
    answer = handler({"source": "aws.scheduler"}, Context())

    # then the job ran on its own deps, the answer is the run's summary, and one warning line carries it
    assert handed == ["the sweeper's deps"]
    assert answer == {"republished": 2, "given_up": 1}
    lines = _swept_lines(caplog)
    assert len(lines) == 1
    assert lines[0].levelno == logging.WARNING
    assert (getattr(lines[0], "republished", None), getattr(lines[0], "given_up", None)) == (2, 1)


def test_a_quiet_run_answers_its_summary_without_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    # given a sweep that found nothing stuck
    handler = _sweeper(SweepRun(republished=0, given_up=0), [])

    # when the schedule invokes the function
    answer = handler({"source": "aws.scheduler"}, Context())

    # then it answers zero counts and writes no line about stuck submissions
    assert answer == {"republished": 0, "given_up": 0}
    assert not _swept_lines(caplog)


def test_with_metrics_disabled_an_invocation_keeps_none_of_the_last_ones_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given metrics switched off, as the local runtime and the tests run every function, in one long-lived process
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    metrics.clear_metrics()
    handler = _sweeper(SweepRun(republished=2, given_up=0), [])

    # when the function is invoked twice
    handler({"source": "aws.scheduler"}, Context())
    handler({"source": "aws.scheduler"}, Context())

    # then no value outlives its invocation (Powertools skips clearing when disabled, so the set would keep growing)
    assert metrics.metric_set == {}


def test_with_metrics_enabled_each_invocation_prints_its_own_counts_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given metrics switched on, as on AWS
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    metrics.clear_metrics()
    handler = _sweeper(SweepRun(republished=2, given_up=0), [])

    # when the function is invoked twice
    handler({"source": "aws.scheduler"}, Context())
    handler({"source": "aws.scheduler"}, Context())

    # then each invocation printed one metrics blob holding only its own count
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [blob["SubmissionsRepublished"] for blob in blobs] == [[2.0], [2.0]]
    assert metrics.metric_set == {}
