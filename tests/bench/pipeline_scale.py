"""Does a lead cost the same, capture to assigned, with 10,000 leads stored as with 200,000? It must: every lookup on
its path is by key or a bounded query, never a scan or a read of a partition that grows with the table.

Run: .venv/bin/python -m tests.bench.pipeline_scale [--sizes 10000 200000] [--probes 100] [--batch 10] [--json PATH]

Each size runs in a process of its own: the in-process local runtime (infra/local/runtime.py, no HTTP server; the
template, rules and demo data a user runs, nothing switched off), N leads of the labelled generator
(tests/bench/dedupe_data.py) stored as the pipeline leaves them (tests/bench/stored_leads.py: profile, identity
claims, match index, account and membership, owner and due-index entries, the processed submission; written straight
into moto's tables), then further people of the same generator submitted one at a time through the real path: the
intake function's API event, EventBridge's rule, the pipeline state machine (dedupe, enrich, score, route, notify)
and every subscriber, until the runtime is settled. The sizes' processes stay up together and take turns, `batch`
probes each, so a busy machine slows them alike. A probe is a demo request from a senior title, so most become MQLs
and are routed; one that joins a stored lead that has an owner already is not routed again.

Per probe: capture -> assigned (the lead's assignment.assigned_at - the submission's received_at, as
pipeline_latency does), the wall time from the intake's call until the runtime settled, and the DynamoDB requests and
read/write units the request ledger (infra/local/ledger.py) counted for the lead, scheduled jobs that fired meanwhile
left out. It prints medians per size, DynamoDB requests per lead by operation, and the ratio largest/smallest size.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SENIOR = ("VP Sales", "Head of Marketing", "Director of IT", "CTO", "Chief Revenue Officer", "VP Engineering")
PROBE_FORM = "demo-request"
WARM_UP = 3  # the first probes import every function on the path (cold starts): kept apart from the figures
ANSWER = "@@pipeline_scale "  # marks a child's answers on its stdout
POWERTOOLS = {
    "POWERTOOLS_SERVICE_NAME": "leadflow",
    "POWERTOOLS_METRICS_NAMESPACE": "leadflow",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
}


def measure(sizes: list[int], probes: int, seed: int = 7, batch: int = 10) -> dict[str, Any]:
    """Every size loaded in a process of its own (its own moto and memory), all alive at once; then probes in
    batches of `batch`, taking turns between the sizes (the order reversed each round), so that a machine shared
    with other work slows every size alike. Figures by size and the ratios largest/smallest."""
    children = {size: _Child(size, probes, seed) for size in sorted(sizes)}
    try:
        loaded = {size: child.read() for size, child in children.items()}
        runs: dict[int, list[dict[str, Any]]] = {size: [] for size in children}
        order = list(children)
        while any(len(runs[size]) < probes for size in order):
            for size in order:
                wanted = min(batch, probes - len(runs[size]))
                if wanted:
                    runs[size] += children[size].ask(f"probe {wanted}")
            order.reverse()
        ended = {size: child.ask("stop") for size, child in children.items()}
    finally:
        for child in children.values():
            child.close()
    by_size = {size: {**loaded[size], **ended[size], **summary(runs[size])} for size in children}
    return {"probes": probes, "seed": seed, "batch": batch, "sizes": by_size, "ratios": ratios(by_size)}


class _Child:
    """One size's process: `python -m tests.bench.pipeline_scale --serve SIZE`, asked for probes line by line."""

    def __init__(self, size: int, probes: int, seed: int) -> None:
        command = [sys.executable, "-m", "tests.bench.pipeline_scale", "--serve", str(size), "--probes", str(probes)]
        command += ["--seed", str(seed)]
        # The layer first: the child runs this checkout's code even if the editable install points at another one.
        path = (str(REPO / "layers" / "leadflow"), str(REPO), os.environ.get("PYTHONPATH"))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, path))}
        self.size = size
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 - closed by close()
        self._process = subprocess.Popen(
            command, cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )

    def ask(self, command: str) -> Any:
        assert self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        return self.read()

    def read(self) -> Any:
        """The child's next answer: a line of its own (handlers may write their logs to stdout too)."""
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith(ANSWER):
                return json.loads(line.removeprefix(ANSWER))
        self._stderr.seek(0)
        tail = self._stderr.read()[-3000:]
        raise RuntimeError(f"size {self.size}: the process ended ({self._process.wait()}) without answering:\n{tail}")

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._stderr.close()


def ratios(by_size: dict[int, dict[str, Any]]) -> dict[str, Any]:
    small, large = by_size[min(by_size)], by_size[max(by_size)]

    def ratio(a: float | None, b: float | None) -> float | None:
        return round(b / a, 3) if a and b is not None else None

    def p50(figures: dict[str, Any], name: str) -> float | None:
        value: float | None = figures[name]["p50"]
        return value

    operations = sorted(set(small["dynamodb_per_lead"]) | set(large["dynamodb_per_lead"]))
    return {
        "capture_to_assigned_p50": ratio(p50(small, "capture_to_assigned_ms"), p50(large, "capture_to_assigned_ms")),
        "settled_p50": ratio(p50(small, "settled_ms"), p50(large, "settled_ms")),
        "dynamodb_requests_per_lead": ratio(small["dynamodb_requests_per_lead"], large["dynamodb_requests_per_lead"]),
        "dynamodb_read_units_per_lead": ratio(small["read_units_per_lead"], large["read_units_per_lead"]),
        "dynamodb_write_units_per_lead": ratio(small["write_units_per_lead"], large["write_units_per_lead"]),
        "by_operation": {
            op: ratio(small["dynamodb_per_lead"].get(op), large["dynamodb_per_lead"].get(op)) for op in operations
        },
    }


# --- one size, in its own process --------------------------------------------------------------------------------


def serve(size: int, probes: int, seed: int) -> None:
    """Load the runtime with `size` leads, warm it up, then answer "probe N" (the runs, as JSON) and "stop" (what the
    process held) from stdin, one line each."""
    for name, value in POWERTOOLS.items():
        os.environ.setdefault(name, value)
    from infra.local import moto_hooks
    from infra.local.persistence import dynamodb_backend
    from infra.local.runtime import LocalRuntime, RuntimeOptions
    from tests.bench.dedupe_data import generate
    from tests.bench.stored_leads import PipelineRules, preload_pipeline

    started = time.perf_counter()
    # About 1.6 records make a lead (a person's records that share an address make one), some have no usable
    # email: room for the stored leads and, after them, the probes.
    records = [labelled.record for labelled in generate(int(size * 1.8) + 4 * (WARM_UP + probes), seed)]
    generated_s = time.perf_counter() - started
    with LocalRuntime(RuntimeOptions(port=None)) as runtime:
        assert runtime.deployment is not None and runtime.ledger is not None
        started = time.perf_counter()
        leads_table = runtime.deployment.tables["LeadsTable"]
        stored = preload_pipeline(leads_table, records, PipelineRules.demo(), size)
        load_s = time.perf_counter() - started
        moto_hooks.forget_index_partitions(dynamodb_backend().get_table(leads_table))  # filed again, all of them
        scheduled = {s.logical_id for s in runtime.deployment.schedules}
        people = enumerate(records[stored["records"] :], start=stored["records"])
        submitted = (run for number, record in people if (run := _probe(runtime, record, number, scheduled)))
        warm_up = [next(submitted) for _ in range(WARM_UP)]
        _answer({"stored": stored, "generate_s": round(generated_s, 1), "load_s": round(load_s, 1)})
        for line in sys.stdin:
            command, _, count = line.strip().partition(" ")
            if command == "probe":
                _answer([next(submitted) for _ in range(int(count))])
            elif command == "stop":
                _answer({"rss_mb": _rss_mb(), "warm_up": summary(warm_up)})
                break


def _answer(document: Any) -> None:
    print(ANSWER + json.dumps(document), flush=True)


def _probe(runtime: Any, record: Any, number: int, scheduled: set[str]) -> dict[str, Any] | None:
    from tests.bench.stored_leads import submission_of

    submission = submission_of(record, PROBE_FORM, consent=True)
    if submission is None:
        return None
    body = submission.model_dump(mode="json", exclude_none=True) | {"title": SENIOR[number % len(SENIOR)]}
    ledger = runtime.ledger
    ledger.reset()
    started = time.perf_counter()
    answer = runtime.invoke("IntakeFunction", _api_event(body))
    runtime.wait_for_executions(timeout=120)
    settled_ms = (time.perf_counter() - started) * 1000
    counted = ledger.snapshot()
    ledger.active = False  # the reads below are the bench's, not the lead's
    if answer["statusCode"] != 202:
        raise RuntimeError(f"the intake answered {answer['statusCode']}: {answer['body'][:300]}")
    submission_id = json.loads(answer["body"])["submission_id"]
    stored = _item(runtime, "LeadsTable", f"SUBMISSION#{submission_id}", "SUBMISSION") or {}
    lead = _item(runtime, "LeadsTable", f"LEAD#{stored.get('lead_id')}", "PROFILE") or {}
    assigned_ms = None
    if lead.get("assignment") and stored.get("received_at"):
        gap = _at(lead["assignment"]["assigned_at"]) - _at(stored["received_at"])
        assigned_ms = gap.total_seconds() * 1000 if gap.total_seconds() >= 0 else None  # < 0: an owner from before
    return {
        "status": stored.get("status"),
        "assigned_ms": assigned_ms,
        "settled_ms": settled_ms,
        **_dynamodb(counted, scheduled),
    }


def _dynamodb(counted: dict[str, Any], scheduled: set[str]) -> dict[str, Any]:
    """The lead's DynamoDB requests and units: every caller's but the scheduled jobs' (they are not the lead's)."""
    requests: Counter[str] = Counter()
    units: Counter[str] = Counter()
    for caller, operations in counted["by_caller"].items():
        if caller in scheduled:
            continue
        for name, count in operations.items():
            service, _, operation = name.partition(" ")
            if service == "dynamodb":
                requests[operation] += count
        units.update(counted["caller_units"].get(caller, {}))
    return {
        "dynamodb": dict(requests),
        "read_units": units["dynamodb.read_units"],
        "write_units": units["dynamodb.write_units"],
        "scheduled_jobs_ran": sorted(set(counted["by_caller"]) & scheduled),
    }


def _api_event(body: dict[str, Any]) -> dict[str, Any]:
    from tests.events import api_request

    headers = {"content-type": "application/json", "origin": "http://localhost:3000"}
    return api_request("intake/post_lead_json.json", "POST", "/v1/leads", headers=headers, body=json.dumps(body))


def _item(runtime: Any, table: str, pk: str, sk: str) -> dict[str, Any] | None:
    """An item read straight from moto (no request: nothing counted, nothing in the lead's figures)."""
    from boto3.dynamodb.types import TypeDeserializer
    from moto.dynamodb.models.dynamo_type import DynamoType

    from infra.local.persistence import dynamodb_backend

    # Looked up without moto's get_item, whose defaultdict would add an empty partition for a missing key: this
    # thread holds no DynamoDB lock, and a scheduled job may be walking the table meanwhile.
    partition = dynamodb_backend().get_table(runtime.deployment.tables[table]).items.get(DynamoType({"S": pk}), {})
    found = partition.get(DynamoType({"S": sk}))
    if found is None:
        return None
    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in found.to_json()["Attributes"].items()}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _rss_mb() -> int:
    status = Path("/proc/self/status").read_text(encoding="ascii").splitlines()
    line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) // 1024


def _spread(values: list[float]) -> dict[str, float | int | None]:
    ordered = sorted(values)
    if not ordered:
        return {"n": 0, "p50": None, "p90": None}
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 1),
        "p90": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))], 1),
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    per_op: Counter[str] = Counter()
    for run in runs:
        per_op.update(run["dynamodb"])
    n = max(len(runs), 1)
    return {
        "probes": len(runs),
        "statuses": dict(Counter(str(run["status"]) for run in runs)),
        "capture_to_assigned_ms": _spread([run["assigned_ms"] for run in runs if run["assigned_ms"] is not None]),
        "settled_ms": _spread([run["settled_ms"] for run in runs]),
        "dynamodb_requests_per_lead": round(sum(per_op.values()) / n, 2),
        "dynamodb_per_lead": {op: round(count / n, 2) for op, count in sorted(per_op.items())},
        "read_units_per_lead": round(sum(run["read_units"] for run in runs) / n, 2),
        "write_units_per_lead": round(sum(run["write_units"] for run in runs) / n, 2),
        "probes_with_scheduled_jobs": sum(bool(run["scheduled_jobs_ran"]) for run in runs),
    }


# --- report --------------------------------------------------------------------------------------------------------


def report(result: dict[str, Any]) -> str:
    lines = [
        f"{'stored leads':>12} {'load s':>7} {'RSS MB':>7} {'probes':>6} {'routed':>6} "
        f"{'assigned p50 ms':>15} {'settled p50 ms':>14} {'DDB req/lead':>12} {'RCU/lead':>8} {'WCU/lead':>8}"
    ]
    for r in result["sizes"].values():
        lines.append(
            f"{r['stored']['leads']:>12,} {r['load_s']:>7.1f} {r['rss_mb']:>7,} {r['probes']:>6} "
            f"{r['capture_to_assigned_ms']['n']:>6} {_ms(r['capture_to_assigned_ms']['p50']):>15} "
            f"{_ms(r['settled_ms']['p50']):>14} {r['dynamodb_requests_per_lead']:>12.2f} "
            f"{r['read_units_per_lead']:>8.2f} {r['write_units_per_lead']:>8.2f}"
        )
    operations = sorted({op for r in result["sizes"].values() for op in r["dynamodb_per_lead"]})
    lines.append("DynamoDB requests per lead, by operation:")
    for op in operations:
        counts = "  ".join(f"{r['dynamodb_per_lead'].get(op, 0):>6.2f}" for r in result["sizes"].values())
        lines.append(f"  {op:<22} {counts}   ratio {_ratio(result['ratios']['by_operation'].get(op))}")
    r = result["ratios"]
    lines.append(
        f"ratio largest/smallest (goal <= 1.2): capture->assigned p50 {_ratio(r['capture_to_assigned_p50'])}, "
        f"settled p50 {_ratio(r['settled_p50'])}, DynamoDB requests/lead {_ratio(r['dynamodb_requests_per_lead'])}, "
        f"read units/lead {_ratio(r['dynamodb_read_units_per_lead'])}, "
        f"write units/lead {_ratio(r['dynamodb_write_units_per_lead'])}"
    )
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 200_000])
    parser.add_argument("--probes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--batch", type=int, default=10, help="probes per turn of each size")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # one size's process (what measure starts)
    args = parser.parse_args(argv)
    if args.serve is not None:
        serve(args.serve, args.probes, args.seed)
        return 0
    started = time.perf_counter()
    result = measure(args.sizes, args.probes, args.seed, args.batch)
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(report(result))
    print(f"bench run time {result['seconds']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
