"""Chaos: leads posted by 8 clients while every pipeline step fails 10% of the time (raising, timing out after it
did its work, or throttled) and the runtime is killed with SIGKILL half-way. After a restart, the sweeper and a
redrive, every accepted submission is processed exactly once: one lead per person, one assignment and one
notification per MQL, no submission on two leads.

LEADFLOW_CHAOS_LEADS sets how many leads are posted: 120 by default (about 90 s on a shared 2-core machine); the full
run is LEADFLOW_CHAOS_LEADS=300 (about 3 minutes)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer

from tests.e2e.local_process import LEADFLOW, RuntimeProcess
from tests.http_client import Client

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LEADS = int(os.environ.get("LEADFLOW_CHAOS_LEADS", "120"))
CLIENTS = 8
STEPS = ("DedupeFunction", "EnrichFunction", "ScoreFunction", "RouteFunction", "NotifyFunction")
FAULTS = {"seed": 9, **{step: {"rate": 0.1, "kind": ["raise", "timeout", "throttle"]} for step in STEPS}}
DOMAINS = ("snowflake.com", "datadoghq.com", "stripe.com", "hubspot.com", "atlassian.com", "twilio.com")
KEY = {"x-api-key": "local-dev-key"}
Item = dict[str, Any]


def people_and_submissions(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """`count` submissions by about 0.85 * count people: two in three are VPs asking for a demo at a known
    company (MQLs), the rest newsletter readers; the remaining submissions are the same people again, spelling
    their email another way. `fields.person` names the person, for the checks."""
    people: list[dict[str, Any]] = []
    for number in range(int(count * 0.85)):
        token = f"{number:04d}{rng.getrandbits(32):08x}"
        names: dict[str, Any] = {"first_name": f"F{token[4:8]}", "last_name": f"L{token[8:]}{token[:4]}"}
        if number % 3 == 2:
            people.append({"email": f"reader.{token}@gmail.com", "form_id": "newsletter", **names})
        else:
            domain = DOMAINS[number % len(DOMAINS)]
            people.append(
                {
                    "email": f"cx.{token}@{domain}",
                    "title": "VP of Engineering",
                    "company": domain.split(".")[0].title(),
                    "form_id": "demo-request",
                    "consent": True,
                    **names,
                }
            )
        people[-1]["fields"] = {"person": f"p{number:04d}"}
    submissions = [dict(person) for person in people]
    for _ in range(count - len(people)):
        again = dict(rng.choice(people))
        local, domain = again["email"].split("@")
        again["email"] = f"{local.upper()}+again@{domain}" if rng.random() < 0.5 else f"{local}@{domain.upper()}"
        submissions.append(again)
    rng.shuffle(submissions)
    return submissions


class Poster:
    """Posts submissions from 8 threads, keeping the ids of those answered 202; `stop_after` accepted ones it calls
    `on_limit` once and posts nothing more (what it did not post is returned)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.accepted: list[str] = []
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def post_all(
        self,
        documents: list[dict[str, Any]],
        stop_after: int | None = None,
        on_limit: Callable[[], None] = lambda: None,
    ) -> list[dict[str, Any]]:
        left: list[dict[str, Any]] = []
        self.stopped.clear()

        def post(document: dict[str, Any]) -> None:
            if self.stopped.is_set():
                with self.lock:
                    left.append(document)
                return
            try:
                reply = self.client.post_lead(document)
            except OSError:  # the runtime died under the request: a client tries again later
                reply = None
            with self.lock:
                if reply is None or reply.status != 202:
                    left.append(document)
                    return
                self.accepted.append(reply.json()["submission_id"])
                reached = stop_after is not None and len(self.accepted) >= stop_after and not self.stopped.is_set()
                if reached:
                    self.stopped.set()
            if reached:
                on_limit()

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(post, documents))
        return left


def control(client: Client, path: str, document: Any) -> Any:
    reply = client.request("POST", path, json.dumps(document).encode(), {**KEY, "content-type": "application/json"})
    assert reply.status == 200, (path, reply.status, reply.body[:300])
    return reply.json()


def advance(client: Client, **delta: float) -> list[dict[str, Any]]:
    """Move the clock and wait until what it set off has settled; on a loaded machine that may take more than the
    runtime's 30 s (504): then keep waiting, without moving the clock again."""
    body = json.dumps(delta).encode()
    headers = {**KEY, "content-type": "application/json"}
    reply = client.request("POST", "/_local/clock/advance", body, headers)
    for _ in range(6):
        if reply.status != 504:
            break
        reply = client.request("POST", "/_local/clock/advance", b'{"seconds": 0}', headers)
    assert reply.status == 200, (reply.status, reply.body[:300])
    fired: list[dict[str, Any]] = reply.json()["fired"] if "minutes" in delta else []
    return fired


def statuses(client: Client, submission_ids: list[str]) -> Counter[str]:
    return Counter(client.get(f"/v1/submissions/{sid}").json()["status"] for sid in submission_ids)


def processed(client: Client, submission_id: str, timeout: float = 30) -> dict[str, Any]:
    """The submission once processed (a redriven one reads `failed` until its new run marks it)."""
    deadline = time.monotonic() + timeout
    while (document := client.get(f"/v1/submissions/{submission_id}").json())["status"] != "processed":
        if time.monotonic() > deadline:
            raise TimeoutError(f"{submission_id} still {document['status']}")
        time.sleep(0.05)
    result: dict[str, Any] = document
    return result


def snapshot(data_dir: Path) -> dict[str, list[Item]]:
    """Every DynamoDB item the stopped runtime kept, by table, as plain values."""
    document = json.loads((data_dir / "dynamodb-snapshot.json").read_text(encoding="utf-8"))
    deserialize = TypeDeserializer().deserialize
    return {
        table: [{name: deserialize(value) for name, value in entry["item"].items()} for entry in entries]
        for table, entries in document.items()
    }


def test_every_accepted_lead_is_processed_exactly_once_through_failures_and_a_kill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("LEADFLOW_FAULTS", json.dumps(FAULTS))
    documents = people_and_submissions(LEADS, random.Random(2026))
    started = time.monotonic()

    # Half the leads, then SIGKILL in the middle of the traffic.
    runtime = RuntimeProcess(data).start()
    port = runtime.port
    poster = Poster(runtime.client)

    def kill() -> None:
        runtime.stop(signal.SIGKILL)

    left = poster.post_all(documents, stop_after=LEADS // 2, on_limit=kill)
    killed_at = time.monotonic()
    accepted_before_kill = len(poster.accepted)

    # Restart on the same data; the other half, still under faults.
    with RuntimeProcess(data, port) as restarted:
        restart_seconds = time.monotonic() - killed_at
        poster.client = restarted.client
        left = poster.post_all(left)
        assert left == [], f"{len(left)} submissions were refused after the restart"
        posted_at = time.monotonic()
        after_posting = statuses(restarted.client, poster.accepted)

        # The outage ends: the sweeper republishes what the kill stranded, redrive replays what failed.
        control(restarted.client, "/_local/faults", {})
        rounds = []
        for _ in range(3):
            fired = advance(restarted.client, minutes=5.5)
            redriven = control(restarted.client, "/_local/redrive", {})["redriven"]
            advance(restarted.client, seconds=0)  # answers once settled
            rounds.append((sorted({f["function"] for f in fired}), redriven))
            final = statuses(restarted.client, poster.accepted)
            if set(final) == {"processed"}:
                break
        recovered_at = time.monotonic()
    data_items = snapshot(data)

    items = [item for table in data_items.values() for item in table]
    submissions = {i["submission_id"]: i for i in items if str(i.get("pk", "")).startswith("SUBMISSION#")}
    leads = [i for i in items if str(i.get("pk", "")).startswith("LEAD#") and i.get("sk") == "PROFILE"]
    live = [lead for lead in leads if not lead.get("merged_into")]
    history = Counter(
        (str(i["pk"]).removeprefix("LEAD#"), i["kind"]) for i in items if str(i.get("sk", "")).startswith("HIST#")
    )
    outbox = Counter(str(i["lead_id"]) for i in items if i.get("notification_id") and i.get("lead_id"))
    person_of = {sid: s["data"]["fields"]["person"] for sid, s in submissions.items()}
    lead_people = {lead["lead_id"]: {person_of[sid] for sid in lead["submission_ids"]} for lead in live}
    on_leads = Counter(sid for lead in live for sid in lead["submission_ids"])
    owned = [lead for lead in live if lead.get("owner_id")]
    counts = {
        "posted": LEADS,
        "accepted": len(poster.accepted),
        "accepted_before_kill": accepted_before_kill,
        "stored_submissions": len(submissions),
        "status_after_posting": dict(after_posting),
        "status_final": dict(Counter(s["status"] for s in submissions.values())),
        "swept": sum(1 for s in submissions.values() if s.get("sweeps")),
        "rounds (schedules fired, redriven)": rounds,
        "people": len(set(person_of.values())),
        "leads": len(live),
        "mqls_owned": len(owned),
        "mqls_in_a_queue": sum(1 for lead in owned if str(lead["owner_id"]).startswith("queue:")),
        "assignments": sum(history[(lead["lead_id"], "assigned")] for lead in live),
        "notifications": sum(outbox.values()),
        "seconds": {
            "until_kill": round(killed_at - started, 1),
            "restart": round(restart_seconds, 1),
            "posting_after_restart": round(posted_at - killed_at - restart_seconds, 1),
            "recovery": round(recovered_at - posted_at, 1),
            "total": round(recovered_at - started, 1),
        },
    }
    print("\nchaos:", json.dumps(counts, indent=1))

    assert accepted_before_kill >= LEADS // 2
    assert set(statuses_of := Counter(submissions[sid]["status"] for sid in poster.accepted)) == {"processed"}, (
        statuses_of
    )
    assert {s["status"] for s in submissions.values()} == {"processed"}  # stored, even if its 202 was lost
    assert all(on_leads[sid] == 1 for sid in submissions), "a submission is on no lead or on two"
    assert all(len(people) == 1 for people in lead_people.values()), "a lead holds two people"
    assert len(live) == len(set(person_of.values())), "a person has two leads"
    for lead in live:
        is_mql = lead["stage"] == "mql"
        told = is_mql and not str(lead.get("owner_id")).startswith("queue:")  # a queue is not notified
        assert (lead.get("owner_id") is not None) == is_mql, lead["lead_id"]
        assert history[(lead["lead_id"], "assigned")] == int(is_mql), lead["lead_id"]
        assert outbox[lead["lead_id"]] == int(told), lead["lead_id"]
        assert history[(lead["lead_id"], "notified")] == int(told), lead["lead_id"]


def test_dead_letters_survive_a_kill_and_leadflow_redrive_local_replays_them(tmp_path: Path) -> None:
    data = tmp_path / "data"
    runtime = RuntimeProcess(data).start()
    try:
        control(runtime.client, "/_local/faults", {"ScoreFunction": {"rate": 1, "kind": "raise"}})
        reply = runtime.client.post_lead(
            {"email": "ines.moreau@snowflake.com", "title": "CTO", "form_id": "demo-request"}
        )
        failed = runtime.client.wait_for_submission(reply.json()["submission_id"])
        dead_before = runtime.client.request("GET", "/_local/state", headers=KEY).json()["dead_letters"]
    finally:
        runtime.stop(signal.SIGKILL)
    assert failed["status"] == "failed"
    assert [d["messages"] for d in dead_before] == [1]

    with RuntimeProcess(data, runtime.port) as restarted:
        dead_after = restarted.client.request("GET", "/_local/state", headers=KEY).json()["dead_letters"]
        command = [str(LEADFLOW), "redrive", "--local", restarted.client.base_url]
        redrive = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        done = processed(restarted.client, failed["submission_id"])
        lead = restarted.client.get(f"/v1/leads/{done['lead_id']}").json()

    assert [d["messages"] for d in dead_after] == [1]
    assert (redrive.returncode, redrive.stdout.strip()) == (0, "redrove 1 failed submission(s)"), redrive.stderr
    assert done["status"] == "processed"
    assert lead["owner_id"] is not None and lead["submission_ids"] == [failed["submission_id"]]
