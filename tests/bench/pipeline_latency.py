"""Pipeline latency benchmark: the local stack in a subprocess, a realistic mix of leads posted over HTTP.

Measures POST latency, intake and pipeline throughput, capture->assigned and capture->processed per lead, and the
cold import time of every function handler. `processed_at` is stamped by the state machine's MarkProcessed state
but not exposed by the API, so it is read from the runtime's data folder once the runtime has stopped.

Two kinds of load:
- closed loop (default): `--concurrency` clients each post their next lead as soon as the last one is answered, so the
  runtime's pace sets the arrival rate: it measures the most the runtime can take in and process;
- open loop (`--rate 5 --duration 60`): leads arrive at a fixed rate whatever the answers' latency, evenly spaced
  (`--arrivals uniform`, the default) or as a Poisson process (`--arrivals poisson`), each POST on its own thread of
  a large pool, so a slow answer never delays the next arrival: it measures latency at a load a user sends.

    .venv/bin/python -m tests.bench.pipeline_latency [--leads 500] [--concurrency 8] [--port 0] [--json PATH]
    .venv/bin/python -m tests.bench.pipeline_latency --rate 5 --duration 60 --imports 0

`measure(...)` runs one load and returns its figures, for an aggregator that runs both kinds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from infra.local.journal import Journal
from tests.bench.pipeline_load import arrival_times, make_leads, post_all, post_open_loop
from tests.http_client import Client

REPO = Path(__file__).resolve().parents[2]
FINAL = ("processed", "failed", "spam")
FUNCTION_ENV = {
    **{name: f"bench-{name.lower()}" for name in ("LEADS_TABLE", "CONFIG_TABLE", "IDEMPOTENCY_TABLE", "OUTBOX_TABLE")},
    "EVENT_BUS_NAME": "bench-bus",
    "ALLOWED_ORIGINS": "http://localhost:3000",
    "API_BASE_URL": "http://localhost:3000",
    "POWERTOOLS_SERVICE_NAME": "leadflow",
    "POWERTOOLS_METRICS_NAMESPACE": "leadflow",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "AWS_DEFAULT_REGION": "us-east-1",
}
IMPORT_TIMER = "import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"


def pct(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))] if ordered else None


def spread(values: list[float]) -> dict[str, float | None]:
    quantiles = {f"p{q}": pct(values, q) for q in (50, 95, 99)}
    return {"n": len(values), **quantiles, "max": max(values, default=None)}


def code_path(*more: str | None) -> str:
    return os.pathsep.join(filter(None, (str(REPO / "layers/leadflow"), str(REPO), *more)))


def start_runtime(port: int, data_dir: Path, logs: Path) -> subprocess.Popen[bytes]:
    # `functions` is not part of the editable install: the console script only finds it with the repo on the path.
    # The layer goes first too, so the runtime runs this checkout's code even if the install points elsewhere.
    env = {**os.environ, "LEADFLOW_LOG_LEVEL": "ERROR", "PYTHONPATH": code_path(os.environ.get("PYTHONPATH"))}
    command = [str(Path(sys.executable).with_name("leadflow")), "run", "--port", str(port), "--data-dir", str(data_dir)]
    with (logs / "stdout.txt").open("wb") as out, (logs / "stderr.txt").open("wb") as err:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=err)


def wait_ready(process: subprocess.Popen[bytes], client: Client, stderr: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = stderr.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"the runtime exited with {process.returncode} before answering:\n{tail}")
        try:
            if client.request("GET", "/").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the runtime did not answer within {timeout} s")


def cpu_seconds(process: subprocess.Popen[bytes]) -> float | None:
    """User + system CPU the runtime has used so far (Linux); None elsewhere. CPU per lead is the figure a shared
    machine disturbs least: other processes slow the wall clock, not the work each lead costs."""
    try:
        fields = Path(f"/proc/{process.pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_runtime(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def wait_pipeline(client: Client, ids: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    """Ask for the oldest unfinished submission until it is done, then the next: about one request per lead, so the
    polling takes next to nothing from the runtime it measures (latencies come from stored times, not from here)."""
    final: dict[str, dict[str, Any]] = {}
    pending = list(ids)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        sid = pending[0]
        try:
            reply = client.get(f"/v1/submissions/{sid}")
        except OSError:
            time.sleep(0.1)  # a dropped connection: ask again
            continue
        document = reply.json() if reply.status == 200 else {}
        if document.get("status") in FINAL:
            final[sid] = document
            pending.pop(0)
        else:
            time.sleep(0.1)
    return final


def fetch_leads(client: Client, lead_ids: set[str], concurrency: int, timeout: float) -> dict[str, dict[str, Any]]:
    pool = ThreadPoolExecutor(concurrency)
    futures = {lid: pool.submit(client.get, f"/v1/leads/{lid}") for lid in lead_ids}
    wait(futures.values(), timeout=timeout)
    pool.shutdown(wait=True, cancel_futures=True)
    replies = {lid: f.result() for lid, f in futures.items() if f.done() and not f.cancelled() and not f.exception()}
    return {lid: reply.json() for lid, reply in replies.items() if reply.status == 200}


def stored_submissions(data_dir: Path) -> dict[str, dict[str, str]]:
    """Submission items as the runtime persisted them: received_at, processed_at / failed_at, status."""
    found = {}
    for _, item in Journal(data_dir).recorded_items():
        if item.get("sk", {}).get("S") == "SUBMISSION":
            found[item["submission_id"]["S"]] = {k: v["S"] for k, v in item.items() if "S" in v}
    return found


def failure_summary(error: str | None) -> str:
    """`Type: message` of the Lambda error inside a Step Functions failure record; the raw text if it is not one."""
    try:
        cause = json.loads(json.loads(error or "")["Cause"])
        return f"{cause['errorType']}: {cause['errorMessage']}"[:160]
    except (ValueError, KeyError, TypeError):
        return str(error)[:160]


def seconds(later: str, earlier: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


def import_times(repeats: int) -> dict[str, float | str]:
    env = {**os.environ, **FUNCTION_ENV, "PYTHONPATH": code_path()}
    result: dict[str, float | str] = {}
    for folder in sorted(p for p in (REPO / "functions").iterdir() if (p / "app.py").is_file()):
        code = IMPORT_TIMER.format(module=f"functions.{folder.name}.app")
        command = [sys.executable, "-c", code]
        try:
            runs = [
                float(subprocess.run(command, env=env, cwd=REPO, capture_output=True, check=True, timeout=120).stdout)
                for _ in range(repeats)
            ]
            result[folder.name] = round(statistics.median(runs), 1)
        except (subprocess.SubprocessError, ValueError) as exc:
            stderr = getattr(exc, "stderr", None) or b""
            result[folder.name] = f"failed: {(stderr.decode().strip().splitlines() or [repr(exc)])[-1][:120]}"
    return result


@dataclass(frozen=True)
class Load:
    """One benchmark run's load: closed loop by default, open loop when `rate` is given."""

    leads: int = 500  # closed loop; an open loop sends rate x duration leads
    concurrency: int = 8  # closed loop: clients
    rate: float | None = None  # open loop: leads per second offered
    duration: float = 60.0  # open loop: seconds of arrivals
    arrivals: str = "uniform"  # open loop: "uniform" (evenly spaced) or "poisson"
    seed: int = 7
    timeout: float = 300.0  # deadline (s) for posting, then for the pipeline
    port: int = 0  # 0: any free port

    @property
    def count(self) -> int:
        return self.leads if self.rate is None else max(1, round(self.rate * self.duration))


def measure(load: Load | None = None, *, imports: int = 0, **options: Any) -> dict[str, Any]:
    """Start a fresh runtime, send it `load` (or a Load of `options`: `measure(rate=5, duration=60)`), stop it and
    return the figures; with `imports`, also each function's median cold import over that many runs."""
    load = load or Load(**options)
    machine: dict[str, Any] = {
        "nproc": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),  # before and after: was the machine shared?
    }
    with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as workdir:
        result = {
            "mode": "closed loop" if load.rate is None else f"open loop, {load.arrivals} arrivals",
            "leads": load.count,
            "concurrency": load.concurrency if load.rate is None else None,
            "offered_rate": load.rate,
            "machine": machine,
            **run_load(load, Path(workdir)),
        }
    result["imports_ms"] = import_times(imports) if imports else {}
    machine["load"] += " -> " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    return result


def run_load(load: Load, workdir: Path) -> dict[str, Any]:
    port = load.port or free_port()
    client = Client(f"http://127.0.0.1:{port}")
    process = start_runtime(port, workdir / "data", workdir)
    try:
        wait_ready(process, client, workdir / "stderr.txt")
        cpu_ready = cpu_seconds(process)
        rng = random.Random(load.seed)
        leads = make_leads(load.count, rng)
        started_wall, started = time.time(), time.monotonic()
        if load.rate is None:
            posted = post_all(client, leads, load.concurrency, load.timeout)
        else:
            schedule = arrival_times(len(leads), load.rate, load.arrivals, rng)
            posted = post_open_loop(client, leads, schedule, load.duration + load.timeout)
        post_seconds = time.monotonic() - started
        accepted = [p for p in posted if p.submission_id]
        final = wait_pipeline(client, [p.submission_id for p in accepted if p.submission_id], load.timeout)
        drained = time.time()
        cpu_drained = cpu_seconds(process)
        leads_by_id = fetch_leads(client, {d["lead_id"] for d in final.values() if d.get("lead_id")}, 8, 120)
    finally:
        stop_runtime(process)
    stored = stored_submissions(workdir / "data")
    statuses = [d["status"] for d in final.values()]
    failed = [d for d in final.values() if d["status"] == "failed"]
    kind_of = {p.submission_id: p.kind for p in accepted}
    routed = {
        sid: seconds(lead["assignment"]["assigned_at"], doc["received_at"])
        for sid, doc in final.items()
        if (lead := leads_by_id.get(doc.get("lead_id") or "")) and lead.get("assignment")
    }
    processed_at = {sid: s["processed_at"] for sid, s in stored.items() if sid in final and "processed_at" in s}
    last = max((datetime.fromisoformat(t).timestamp() for t in processed_at.values()), default=drained)
    stderr = (workdir / "stderr.txt").read_text(encoding="utf-8", errors="replace").splitlines()
    return {
        "post_latency_ms": spread([p.latency_ms for p in posted]),
        "sent_late_ms": spread([p.late_ms for p in posted]),
        "posted": len(posted),
        "accepted": len(accepted),
        "post_errors": Counter(p.error[:120] for p in posted if p.error),
        "intake_leads_per_s": len(accepted) / post_seconds,
        "post_seconds": post_seconds,
        "pipeline_leads_per_s": statuses.count("processed") / max(last - started_wall, 1e-9),
        "pipeline_seconds": last - started_wall,
        "runtime_cpu_ms_per_lead": (cpu_drained - cpu_ready) * 1000 / max(len(final), 1)
        if cpu_ready is not None and cpu_drained is not None
        else None,
        "counts": {s: statuses.count(s) for s in FINAL} | {"not finished": len(accepted) - len(final)},
        "expected_mql": sum(1 for p in accepted if p.kind == "mql"),
        "routed_by_kind": Counter(kind_of[sid] for sid in routed),
        "failed_by_kind": Counter(kind_of[d["submission_id"]] for d in failed),
        "failures": Counter(failure_summary(d.get("error")) for d in failed),
        "failure_examples": {failure_summary(d.get("error")): d.get("error") for d in failed},
        "capture_to_assigned_s": spread(list(routed.values())),
        "capture_to_processed_s": spread([seconds(t, final[sid]["received_at"]) for sid, t in processed_at.items()]),
        "runtime_stderr_lines": len(stderr),
        "runtime_stderr_last": next((line for line in reversed(stderr) if line.strip("- ")), ""),
        "runtime_stderr_tail": stderr[-10:],
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fmt(figures: dict[str, float | None], unit: str, scale: float = 1) -> str:
    values = [figures[k] for k in ("p50", "p95", "p99", "max")]
    return " / ".join("-" if v is None else f"{v * scale:.0f}" for v in values) + f" {unit}  (n={figures['n']})"


def by_kind(counts: dict[str, int]) -> str:
    return f"{sum(counts.values())}: " + (", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "-")


def load_line(r: dict[str, Any]) -> str:
    if r["offered_rate"] is None:
        return f"{r['mode']}: {r['leads']} leads from {r['concurrency']} clients"
    return f"{r['mode']}: {r['leads']} leads at {r['offered_rate']:g} leads/s offered"


def report(r: dict[str, Any]) -> str:
    c, imports, unsent = r["counts"], r["imports_ms"].items(), r["leads"] - r["posted"]
    rows = [
        ("machine", f"{r['machine']['nproc']} CPUs, Python {r['machine']['python']}, load avg {r['machine']['load']}"),
        ("load", load_line(r)),
        ("POST /v1/leads p50 / p95 / p99 / max", fmt(r["post_latency_ms"], "ms")),
        *((("POST sent late p50 / p95 / p99 / max", fmt(r["sent_late_ms"], "ms")),) if r["offered_rate"] else ()),
        ("accepted (202) / other answer / not sent", f"{r['accepted']} / {r['posted'] - r['accepted']} / {unsent}"),
        ("intake throughput", f"{r['intake_leads_per_s']:.1f} leads/s over {r['post_seconds']:.1f} s"),
        ("pipeline throughput", f"{r['pipeline_leads_per_s']:.1f} leads/s, last done {r['pipeline_seconds']:.1f} s in"),
        (
            "runtime CPU per lead",
            "-" if r["runtime_cpu_ms_per_lead"] is None else f"{r['runtime_cpu_ms_per_lead']:.0f} ms",
        ),
        ("processed / failed / spam / not finished", " / ".join(str(c[k]) for k in (*FINAL, "not finished"))),
        ("routed, by kind (expected MQL)", f"{by_kind(r['routed_by_kind'])} ({r['expected_mql']} mql posted)"),
        ("failed, by kind", by_kind(r["failed_by_kind"])),
        ("capture->assigned p50 / p95 / p99 / max", fmt(r["capture_to_assigned_s"], "ms", 1000)),
        ("capture->processed p50 / p95 / p99 / max", fmt(r["capture_to_processed_s"], "ms", 1000)),
        ("runtime stderr", f"{r['runtime_stderr_lines']} lines, last: {r['runtime_stderr_last'][:100] or '-'}"),
        *((f"cold import functions.{name}.app", f"{ms} ms" if isinstance(ms, float) else ms) for name, ms in imports),
        *((f"POST error x{count}", error) for error, count in r["post_errors"].items()),
        *((f"failed x{count}", summary) for summary, count in r["failures"].items()),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=500, help="closed loop: leads to post")
    parser.add_argument("--concurrency", type=int, default=8, help="closed loop: clients")
    parser.add_argument("--rate", "--open-loop-rate", type=float, help="open loop: leads per second offered")
    parser.add_argument("--duration", type=float, default=60, help="open loop: seconds of arrivals")
    parser.add_argument("--arrivals", choices=("uniform", "poisson"), default="uniform", help="open loop: spacing")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--timeout", type=float, default=300, help="deadline (s) for posting, then for the pipeline")
    parser.add_argument("--imports", type=int, default=5, help="cold imports per function (0: skip)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    load = Load(
        leads=args.leads,
        concurrency=args.concurrency,
        rate=args.rate,
        duration=args.duration,
        arrivals=args.arrivals,
        seed=args.seed,
        timeout=args.timeout,
        port=args.port,
    )
    result = measure(load, imports=args.imports)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
