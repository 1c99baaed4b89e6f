"""Handlers are traced with Powertools' Tracer only where the deployment turned tracing on; everywhere else they run
as written and the X-Ray SDK (not in the Lambda layer) is never needed."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from aws_lambda_powertools import Tracer
from leadflow import observability
from leadflow.observability import Untraced, make_tracer

IN_LAMBDA = {"LAMBDA_TASK_ROOT": "/var/task"}
TRACING_ACTIVE = {**IN_LAMBDA, "POWERTOOLS_TRACE_DISABLED": "false"}


def test_handlers_run_untraced_outside_lambda() -> None:
    assert isinstance(make_tracer({}), Untraced)


def test_handlers_run_untraced_in_lambda_when_the_template_leaves_tracing_off() -> None:
    assert isinstance(make_tracer({**IN_LAMBDA, "POWERTOOLS_TRACE_DISABLED": "true"}), Untraced)


def test_an_untraced_handler_answers_exactly_as_written() -> None:
    def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
        return {"echo": event}

    assert Untraced().capture_lambda_handler(handler) is handler


def test_active_tracing_without_the_xray_sdk_warns_once_and_runs_untraced(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a layer built without aws-xray-sdk (the default) and a stack deployed with Tracing=Active
    monkeypatch.setitem(sys.modules, "aws_xray_sdk", None)
    warnings: list[str] = []
    monkeypatch.setattr(observability.logger, "warning", warnings.append)

    # When the handlers' tracer is created at cold start
    tracer = make_tracer(TRACING_ACTIVE)

    # Then the function still runs, and its log says what to add to trace inside the handlers
    assert isinstance(tracer, Untraced)
    assert len(warnings) == 1 and "add it to layers/leadflow/requirements.txt" in warnings[0]


def test_active_tracing_with_the_xray_sdk_traces_with_powertools() -> None:
    assert isinstance(make_tracer(TRACING_ACTIVE), Tracer)
