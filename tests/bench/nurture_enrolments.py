"""Nurture at scale on the local runtime: enrol N leads in the demo `welcome` track through the real NurtureTrack
state machine (moto's interpreter, one STANDARD execution per enrolment), let 30 days pass a day at a time, and
count what it cost: wall time, state transitions per enrolled lead (from each execution's history, as AWS bills
them), Lambda invocations of the step, and the emails sent. Prints the cost per 1,000 leads at list prices.

    .venv/bin/python -m tests.bench.nurture_enrolments [--leads 1000] [--days 30] [--json PATH]

The leads are written straight to the leads table and enrolled by a `lead.scored` event to the nurture function,
as the pipeline's score step would: this measures nurture, not capture.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# List prices, us-east-1, 2026-12: Step Functions STANDARD $0.025 per 1,000 state transitions; Lambda arm64
# $0.20 per million requests and $0.0000133334 per GB-second; SES $0.10 per 1,000 emails.
PRICE_PER_TRANSITION = 0.025 / 1000
PRICE_PER_REQUEST = 0.20 / 1_000_000
PRICE_PER_GB_SECOND = 0.0000133334
PRICE_PER_EMAIL = 0.10 / 1000
STEP_MEMORY_GB = 0.5  # the template's Globals MemorySize
STEP_SECONDS = 0.15  # a warm step's billed duration on AWS (estimate: three DynamoDB calls, one SES call)


def main() -> None:
    for name, value in {
        "POWERTOOLS_SERVICE_NAME": "leadflow",
        "POWERTOOLS_METRICS_NAMESPACE": "leadflow",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }.items():
        os.environ.setdefault(name, value)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from leadflow import wiring
    from leadflow.models.lead import Lead
    from leadflow.wiring import nurture as nurture_wiring

    from infra.local.runtime import LocalRuntime, RuntimeOptions

    with tempfile.TemporaryDirectory() as folder, LocalRuntime(RuntimeOptions(port=None, data_dir=Path(folder))) as rt:
        assert rt.session is not None and rt.deployment is not None
        store, now = wiring.lead_store(), rt.clock.now()
        started = time.perf_counter()
        for n in range(args.leads):
            lead = Lead(
                lead_id=f"lead_bench{n:05d}",
                email=f"reader{n}@example.com",
                email_canonical=f"reader{n}@example.com",
                first_name="Reader",
                country=("GB", "US", "DE", "JP", "AU")[n % 5],
                consent=True,
                created_at=now,
                updated_at=now,
            )
            store.save_lead(lead, expected_version=None)
            rt.invoke("NurtureFunction", _scored_event(lead.lead_id, n, now))
        rt.wait_for_executions(timeout=600)
        enrolled_s = time.perf_counter() - started
        # An hour at a time, as time passes: a wake-up deferred to 08:00 in Tokyo happens at 08:00 in Tokyo.
        for _ in range(args.days * 24):
            rt.advance_clock(hours=1, settle_timeout=600)
        wall_s = time.perf_counter() - started

        sfn = rt.session.client("stepfunctions")
        arn = rt.deployment.state_machines["NurtureTrack"]
        executions = _all_executions(sfn, arn)
        transitions = [_transitions(sfn, e["executionArn"]) for e in executions]
        steps = [_task_runs(sfn, e["executionArn"]) for e in executions]
        statuses: dict[str, int] = {}
        for execution in executions:
            statuses[execution["status"]] = statuses.get(execution["status"], 0) + 1
        emails = sum(
            len(nurture_wiring.mail_log().sent_to(f"lead_bench{n:05d}", datetime(2000, 1, 1, tzinfo=UTC)))
            for n in range(args.leads)
        )

    per_lead = statistics.mean(transitions) if transitions else 0.0
    runs = statistics.mean(steps) if steps else 0.0
    emails_per_lead = emails / max(args.leads, 1)
    cost = {
        "step_functions": per_lead * PRICE_PER_TRANSITION * 1000,
        "lambda_step": runs * (PRICE_PER_REQUEST + STEP_MEMORY_GB * STEP_SECONDS * PRICE_PER_GB_SECOND) * 1000,
        "ses": emails_per_lead * PRICE_PER_EMAIL * 1000,
    }
    report: dict[str, Any] = {
        "leads": args.leads,
        "days": args.days,
        "enrol_wall_s": round(enrolled_s, 1),
        "wall_s": round(wall_s, 1),
        "executions": statuses,
        "transitions_per_lead": {"mean": round(per_lead, 2), "max": max(transitions, default=0)},
        "step_runs_per_lead": round(runs, 2),
        "emails_sent": emails,
        "emails_per_lead": round(emails_per_lead, 2),
        "cost_per_1000_leads_usd": {k: round(v, 4) for k, v in cost.items()} | {"total": round(sum(cost.values()), 4)},
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


def _scored_event(lead_id: str, n: int, at: datetime) -> dict[str, Any]:
    detail = {"lead_id": lead_id, "fit": 5, "engagement": 0.0, "total": 5.0, "grade": "D", "level": 4}
    return {
        "version": "0",
        "id": f"bench-scored-{n}",
        "detail-type": "lead.scored",
        "source": "leadflow",
        "account": "123456789012",
        "time": at.isoformat(),
        "region": "us-east-1",
        "resources": [],
        "detail": {**detail, "qualifies": False, "ruleset_version": 1},
    }


def _all_executions(sfn: Any, arn: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn):
        found.extend(page["executions"])
    return found


def _history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    return events


def _transitions(sfn: Any, execution_arn: str) -> int:
    """States entered: what Step Functions bills a STANDARD execution for (one transition per state entered)."""
    return sum(1 for event in _history(sfn, execution_arn) if event["type"].endswith("StateEntered"))


def _task_runs(sfn: Any, execution_arn: str) -> int:
    return sum(1 for event in _history(sfn, execution_arn) if event["type"] == "TaskStateEntered")


if __name__ == "__main__":
    main()
