"""The pipeline benchmark's load: a realistic mix of leads, posted over HTTP in a closed loop (a fixed number of
clients, each waiting for its answer) or an open loop (arrivals at a fixed rate, whatever the answers' latency)."""

from __future__ import annotations

import csv
import random
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leadflow.domain.identity import free_mail_domains

from tests.http_client import Client

REPO = Path(__file__).resolve().parents[2]
SENIOR = ("VP Sales", "Vice President, Marketing", "Director of IT", "CTO", "Chief Revenue Officer", "Director, Ops")
JUNIOR = ("Software Engineer", "Marketing Manager", "Data Analyst", "Account Executive", "Intern", "Buyer")
FIRST = ("Ada", "Bram", "Chloe", "Dmitri", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca")
LAST = ("Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Silva", "Tanaka", "Umar", "Varga", "Weber")
OPEN_LOOP_THREADS = 256
FORMS = {
    "mql": ("demo-request", "contact-sales"),
    "freemail": ("newsletter", "ebook-download"),
    "webinar": ("webinar-registration",),
}


@dataclass
class Posted:
    kind: str
    latency_ms: float
    submission_id: str | None
    error: str | None = None
    late_ms: float = 0.0  # open loop: how long after its scheduled moment the POST started


def make_leads(count: int, rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    """~40% senior corporate demo/sales requests (MQLs); the rest free-mail sign-ups and corporate webinar guests."""
    text = (REPO / "layers/leadflow/leadflow/data/company_domains.csv").read_text(encoding="utf-8")
    firms = [(r["domain"], r["name"]) for r in csv.DictReader(ln for ln in text.splitlines() if ln and ln[0] != "#")]
    free = sorted(free_mail_domains())
    mql = round(count * 0.4)
    kinds = ["mql"] * mql + ["freemail", "webinar"] * ((count - mql) // 2) + ["freemail"] * ((count - mql) % 2)
    rng.shuffle(kinds)
    leads = []
    for i, kind in enumerate(kinds):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        domain, company = rng.choice(firms)
        body: dict[str, Any] = {"first_name": first, "last_name": last, "form_id": rng.choice(FORMS[kind])}
        body |= {"consent": rng.random() < 0.7, "utm_source": rng.choice(("google", "linkedin", "direct"))}
        if kind == "freemail":  # the index keeps every address (and its canonical form) distinct
            body["email"] = f"{first.lower()}{i}.{last.lower()}@{rng.choice(free)}"
        else:
            body |= {"email": f"{first.lower()}{i}.{last.lower()}@{domain}", "company": company}
            body["title"] = rng.choice(SENIOR if kind == "mql" else JUNIOR)
        if kind == "mql" and rng.random() < 0.5:
            body["phone"] = f"+1 555 01{i % 100:02d}"
        leads.append((kind, body))
    return leads


def post_one(client: Client, kind: str, body: dict[str, Any], late_ms: float = 0.0) -> Posted:
    start = time.perf_counter()
    try:
        reply = client.post_lead(body)
    except OSError as exc:
        return Posted(kind, (time.perf_counter() - start) * 1000, None, f"{type(exc).__name__}: {exc}", late_ms)
    latency = (time.perf_counter() - start) * 1000
    if reply.status != 202:
        return Posted(kind, latency, None, f"HTTP {reply.status}: {reply.body[:200]!r}", late_ms)
    return Posted(kind, latency, reply.json()["submission_id"], None, late_ms)


def post_all(client: Client, leads: list[tuple[str, dict[str, Any]]], concurrency: int, timeout: float) -> list[Posted]:
    """Closed loop: `concurrency` clients, each posting its next lead once the last one was answered."""
    pool = ThreadPoolExecutor(concurrency)
    done, _ = wait([pool.submit(post_one, client, kind, body) for kind, body in leads], timeout=timeout)
    pool.shutdown(wait=True, cancel_futures=True)
    return [future.result() for future in done]


def arrival_times(count: int, rate: float, arrivals: str, rng: random.Random) -> list[float]:
    """Seconds from the start at which each lead is sent: every 1/rate s (uniform), or a Poisson process's
    exponentially distributed gaps of mean 1/rate s."""
    if arrivals == "uniform":
        return [i / rate for i in range(count)]
    moments, now = [], 0.0
    for _ in range(count):
        moments.append(now)
        now += rng.expovariate(rate)
    return moments


def post_open_loop(
    client: Client, leads: list[tuple[str, dict[str, Any]]], schedule: list[float], timeout: float
) -> list[Posted]:
    """Open loop: each lead is sent at its moment on a thread of its own (a pool far larger than the leads in flight
    at once), whatever the earlier answers' latency. `late_ms` says how far behind its moment a POST started, so a
    load generator that could not keep up shows in the figures rather than hiding as a lower rate."""
    pool = ThreadPoolExecutor(OPEN_LOOP_THREADS)
    start = time.perf_counter()
    futures = []
    for (kind, body), moment in zip(leads, schedule, strict=True):
        delay = start + moment - time.perf_counter()
        if delay > 0:
            time.sleep(delay)

        def send(kind: str = kind, body: dict[str, Any] = body, moment: float = moment) -> Posted:
            return post_one(client, kind, body, (time.perf_counter() - start - moment) * 1000)

        futures.append(pool.submit(send))
    done, _ = wait(futures, timeout=timeout)
    pool.shutdown(wait=True, cancel_futures=True)
    return [future.result() for future in done]
