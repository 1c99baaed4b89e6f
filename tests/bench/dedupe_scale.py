"""Does deduplication cost the same per lead with 10,000 leads stored as with 200,000? It must: candidates come from
bounded queries on blocking keys, never a scan.

Run: .venv/bin/python -m tests.bench.dedupe_scale [--sizes 10000 200000] [--probes 200] [--seed 7]

For each size, the leads of the labelled generator (tests/bench/dedupe_data.py) are stored as the pipeline stores them
(profile, email claim, match-index entries; written straight into moto's tables to save time by
tests/bench/stored_leads.py, which tests/bench/pipeline_scale.py shares), then `probes` further submissions go
through the real dedupe step on the DynamoDB adapters. It prints the median and p95 time per lead and the DynamoDB
calls per lead, and the ratio between the largest and the smallest size.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import boto3
from leadflow.adapters.dynamodb import DynamoConfigStore, DynamoLeadStore, DynamoOutbox
from leadflow.adapters.dynamodb_matching import DynamoMatchIndex
from leadflow.adapters.memory import InMemoryEventBus
from leadflow.clock import FixedClock
from leadflow.domain.enrichment import DirectoryProvider, DomainDirectory
from leadflow.domain.matching import MatchRecord
from leadflow.models.events import SubmissionState
from leadflow.models.submission import StoredSubmission
from leadflow.services.dedupe import dedupe
from leadflow.services.pipeline_deps import PipelineDeps
from moto import mock_aws

from infra.local import moto_hooks
from infra.local.runtime import MOTO_CONFIG
from tests.bench.dedupe_data import generate
from tests.bench.stored_leads import NOW, lead_of, match_items, put_straight, submission_of
from tests.integration.tables import create_tables
from tests.unit.conftest import load_config

REGION = "us-east-1"


def preload(table_name: str, records: list[MatchRecord]) -> int:
    """Store the leads the way the dedupe step does, straight into moto's tables (a bench shortcut, not a pattern)."""
    stored = 0
    for number, record in enumerate(records):
        lead = lead_of(record, number)
        if lead is not None:
            put_straight(table_name, match_items(lead))
            stored += 1
    return stored


def probe_state(record: MatchRecord, number: int) -> SubmissionState | None:
    submission = submission_of(record)
    if submission is None:
        return None
    return SubmissionState(submission_id=f"sub_{number:026d}", received_at=NOW, submission=submission)


def measure(size: int, probes: int, seed: int) -> dict[str, Any]:
    records = [labelled.record for labelled in generate(size + probes, seed)]
    with mock_aws(config=MOTO_CONFIG):
        moto_hooks.query_partitions_not_tables()  # DynamoDB's Query reads a partition; moto's alone scans the table
        tables = create_tables(boto3.resource("dynamodb", region_name=REGION))
        started = time.perf_counter()
        stored = preload(tables.leads.name, records[:size])
        load_seconds = time.perf_counter() - started
        config = DynamoConfigStore(tables.config)
        config.publish("matching", load_config("matching.yaml"))
        calls = 0

        def count(**_: Any) -> None:
            nonlocal calls
            calls += 1

        tables.leads.meta.client.meta.events.register("before-call.dynamodb", count)
        deps = PipelineDeps(
            store=DynamoLeadStore(tables.leads),
            index=DynamoMatchIndex(tables.leads),
            config=config,
            bus=InMemoryEventBus(),
            outbox=DynamoOutbox(tables.outbox),
            clock=FixedClock(NOW),
            directory=DomainDirectory.bundled(),
            enrichment=DirectoryProvider(DomainDirectory.bundled()),
        )
        seconds, per_lead_calls = [], []
        for number, record in enumerate(records[size:], start=size):
            state = probe_state(record, number)
            if state is None:
                continue
            deps.store.put_submission(  # intake's write, before the step: not counted
                StoredSubmission(submission_id=state.submission_id, received_at=NOW, data=state.submission)
            )
            before = calls
            started = time.perf_counter()
            dedupe(state, deps)
            seconds.append(time.perf_counter() - started)
            per_lead_calls.append(calls - before)
    seconds.sort()
    return {
        "stored": stored,
        "load_s": load_seconds,
        "probes": len(seconds),
        "median_ms": statistics.median(seconds) * 1000,
        "p95_ms": seconds[int(len(seconds) * 0.95) - 1] * 1000,
        "calls_median": statistics.median(per_lead_calls),
        "calls_mean": statistics.fmean(per_lead_calls),
        "calls_max": max(per_lead_calls),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 200_000])
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    results = {size: measure(size, args.probes, args.seed) for size in args.sizes}
    print(f"{'stored leads':>12} {'load s':>7} {'probes':>6} {'median ms':>9} {'p95 ms':>7} {'calls/lead':>16}")
    for r in results.values():
        calls = f"{r['calls_median']:.0f} med, {r['calls_mean']:.1f} avg, {r['calls_max']} max"
        print(
            f"{r['stored']:>12,} {r['load_s']:>7.1f} {r['probes']:>6} {r['median_ms']:>9.2f} {r['p95_ms']:>7.2f} "
            f"{calls:>16}"
        )
    small, large = results[min(results)], results[max(results)]
    print(
        f"ratio largest/smallest: time per lead (median) {large['median_ms'] / small['median_ms']:.2f}, "
        f"DynamoDB calls per lead (mean) {large['calls_mean'] / small['calls_mean']:.2f}"
    )


if __name__ == "__main__":
    main()
