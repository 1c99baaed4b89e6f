"""What keeping and reading the report projections costs, on the DynamoDB adapters under moto (with the local
runtime's hooks): milliseconds per projected lead as the reports table fills (the first and the last tenth of the
leads: a ratio near 1 means a write does not grow with the table), and what a year's report reads.

Run: .venv/bin/python -m tests.bench.report_projection [--leads 3000] [--seed 11]"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import boto3
from leadflow.adapters.dynamodb import DynamoLeadStore, DynamoReportProjection
from leadflow.models.lead import Assignment, HistoryEntry, Lead, Score, Stage
from leadflow.models.reports import ReportQuery
from leadflow.models.submission import Source
from leadflow.services.report_reads import report
from leadflow.services.reports import ReportDeps, project_lead
from moto import mock_aws

from infra.local import moto_hooks
from infra.local.runtime import MOTO_CONFIG
from tests.integration.tables import create_tables

START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
SOURCES = ["google", "linkedin", "newsletter", "partner", "bing", "(direct)"]
STAGES = [Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY]


def a_lead(n: int, rng: random.Random) -> tuple[Lead, list[HistoryEntry]]:
    created = START + timedelta(days=rng.randrange(365), minutes=rng.randrange(600))
    reached = STAGES[: rng.randrange(len(STAGES) + 1)]
    history = [
        HistoryEntry(
            at=created, kind="submission", ref=f"sub-{n}", detail={"source": {"utm_source": rng.choice(SOURCES)}}
        )
    ]
    for step, stage in enumerate(reached, start=1):
        at = created + timedelta(days=step * rng.randrange(1, 9))
        history.append(HistoryEntry(at=at, kind="stage_changed", ref=f"{stage}@{n}", detail={"to": stage.value}))
    rep = rng.choice(["rep-a", "rep-b", "rep-c", "rep-d"])
    lead = Lead(
        lead_id=f"lead_{n:026d}",
        email=f"p{n}@example.org",
        email_canonical=f"p{n}@example.org",
        created_at=created,
        updated_at=created,
        first_source=Source(utm_source=history[0].detail["source"]["utm_source"], form_id="demo-request"),
        stage=reached[-1] if reached else Stage.NEW,
        score=Score(
            fit=40,
            engagement=20,
            total=60,
            grade=rng.choice("ABCD"),
            level=2,
            qualifies=bool(reached),
            ruleset_version=1,
            scored_at=created,
        ),
        assignment=Assignment(
            rep_id=rep,
            rep_name=rep,
            rule="rr",
            pool="sales",
            ruleset_version=1,
            assigned_at=created + timedelta(seconds=rng.randrange(5, 900)),
            team="emea",
        )
        if reached
        else None,
        speed_to_lead_seconds=float(rng.randrange(60, 86_400)) if reached else None,
    )
    return lead, history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    rng = random.Random(args.seed)
    with mock_aws(config=MOTO_CONFIG):
        moto_hooks.serialise_dynamodb_writes()
        moto_hooks.query_partitions_not_tables()
        moto_hooks.size_items_once()
        moto_hooks.back_up_only_what_a_transaction_writes()
        moto_hooks.check_update_expressions_once()
        tables = create_tables(boto3.resource("dynamodb", region_name="us-east-1"))
        store, projection = DynamoLeadStore(tables.leads), DynamoReportProjection(tables.reports)
        deps = ReportDeps(leads=store, projection=projection)
        timings = []
        for n in range(args.leads):
            lead, history = a_lead(n, rng)
            store.save_lead(lead, expected_version=None)
            for entry in history:
                store.add_history(lead.lead_id, entry)
            started = time.perf_counter()
            project_lead(lead.lead_id, deps)
            timings.append((time.perf_counter() - started) * 1000)
        tenth = max(1, args.leads // 10)
        first, last = statistics.median(timings[:tenth]), statistics.median(timings[-tenth:])
        year = ReportQuery.model_validate({"from": "2026-01-01", "to": "2026-12-31", "group_by": "source"})
        started = time.perf_counter()
        funnel = report("funnel", year, projection)
        read_ms = (time.perf_counter() - started) * 1000
    print(f"leads projected: {args.leads} (seed {args.seed}), each from its lead and history, one transaction each")
    print(f"ms per projected lead, median: first tenth {first:.1f}, last tenth {last:.1f}, ratio {last / first:.2f}")
    print(f"a year's funnel by source: {funnel.total.leads} leads, {funnel.items_read} items read, {read_ms:.0f} ms")


if __name__ == "__main__":
    main()
