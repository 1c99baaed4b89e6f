"""The oracle: leads driven through the real pipeline on `leadflow run` in its own process (forms, webhooks, sales
actions, touches, outcomes, recycles, SLA breaches, over several days of its clock), then every figure of every
report compared with the same figure computed by brute force from the stored leads; a replayed event changes
nothing; a rebuild equals the live projection. Its own process, so that its leads' nurture enrolments and timers do
not weigh on the other tests' shared runtime."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from leadflow.domain.webhook_signature import signed_headers

from tests.e2e.local_process import RuntimeProcess
from tests.e2e.reports import brute_force
from tests.http_client import Client
from tests.names import unique_surname

LOCAL_SECRET = "local-webhook-secret"
BANT = {"budget": "EUR 40k", "authority": "VP signs", "need": "routing", "timeline": "Q1"}
SOURCES = ["google", "linkedin", "newsletter", None]
CAMPAIGNS = ["q4-launch", "webinar-dec", None]
FORMS = ["demo-request", "contact-sales", "ebook-download"]
LEADS_PER_DAY = 40
#: A reason code the fixture adds to the lifecycle rule set: its leads come back (recycled) the next day.
RECYCLED_NEXT_DAY = "oracle_next_day"
COMPANIES = [("snowflake.com", "Snowflake"), ("stripe.com", "Stripe"), ("datadoghq.com", "Datadog")]


def capture(client: Client, rng: random.Random, *, senior: bool) -> str:
    surname = unique_surname()
    domain, company = rng.choice(COMPANIES) if senior else ("gmail.com", None)
    body: dict[str, Any] = {
        "email": f"sam.{surname}@{domain}".lower(),
        "first_name": "Sam",
        "last_name": surname,
        "title": "VP of Engineering" if senior else "Student",
        "company": company,
        "form_id": rng.choice(FORMS) if not senior else rng.choice(FORMS[:2]),
        "consent": True,
    }
    source, campaign = rng.choice(SOURCES), rng.choice(CAMPAIGNS)
    body |= {key: value for key, value in (("utm_source", source), ("utm_campaign", campaign)) if value}
    reply = client.post_lead({key: value for key, value in body.items() if value is not None})
    assert reply.status == 202, reply.body
    return str(reply.json()["submission_id"])


def engage(client: Client, email: str) -> None:
    now = client.request("GET", "/_local/state").json()["clock"]
    event = {"event_id": f"evt_{uuid.uuid4().hex}", "type": "meeting_booked", "email": email, "occurred_at": now}
    body = json.dumps(event).encode()
    headers = {"content-type": "application/json", **signed_headers(LOCAL_SECRET, body, datetime.now(UTC))}
    assert client.request("POST", "/v1/webhooks/generic", body, headers).status == 202


def sales_work(client: Client, rng: random.Random, lead: dict[str, Any]) -> None:
    """What a rep does with an MQL: nothing (its SLA will breach), a touch, or a walk down the funnel."""
    lead_id, owner = lead["lead_id"], lead.get("owner_id") or "rep:nobody"
    choice = rng.random()
    if choice < 0.3:
        return
    client.post(f"/v1/leads/{lead_id}/touch", {"type": rng.choice(["call", "email"]), "actor": owner})
    if choice < 0.55:
        return
    actor = {"actor": "rep:dana-whitfield"}
    if rng.random() < 0.25:
        reason = rng.choice(["no_budget", RECYCLED_NEXT_DAY])
        client.post(f"/v1/leads/{lead_id}/stage", {"action": "disqualify", "reason_code": reason, **actor})
        return
    client.post(f"/v1/leads/{lead_id}/stage", {"action": "accept", **actor})
    if rng.random() < 0.7:
        client.post(f"/v1/leads/{lead_id}/stage", {"action": "qualify", "qualification": BANT, **actor})
        if rng.random() < 0.6:
            client.post(f"/v1/leads/{lead_id}/stage", {"action": "open_opportunity", **actor})
            result = rng.choice(["won", "lost"])
            outcome = {"result": result, "amount": 1000.0 * rng.randint(5, 50), "currency": "EUR", **actor}
            if result == "lost":
                outcome["reason_code"] = "lost_to_competitor"
            client.post(f"/v1/leads/{lead_id}/outcome", outcome)


def report(client: Client, kind: str, first: str, last: str, group_by: str) -> dict[str, Any]:
    reply = client.get(f"/v1/reports/{kind}?from={first}&to={last}&group_by={group_by}")
    assert reply.status == 200, reply.body
    return dict(reply.json())


@dataclass(frozen=True)
class Driven:
    """The leads the pipeline stored over the captures' days, and those days."""

    stored: list[dict[str, Any]]
    first: str
    last: str


def put_config(client: Client, kind: str, body: dict[str, Any]) -> None:
    headers = {"content-type": "application/json", "x-api-key": client.api_key}
    reply = client.request("PUT", f"/v1/config/{kind}", json.dumps(body).encode(), headers)
    assert reply.status == 200, reply.body


def control(client: Client, path: str, body: Any) -> Any:
    """A local control (`/_local/...`): they answer once what they set off has settled."""
    headers = {"content-type": "application/json", "x-api-key": client.api_key}
    reply = client.request("POST", path, json.dumps(body).encode(), headers)
    assert reply.status == 200, reply.body
    return reply.json()


def settle(client: Client) -> None:
    control(client, "/_local/clock/advance", {"seconds": 0})


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RuntimeProcess]:
    with RuntimeProcess(tmp_path_factory.mktemp("oracle")) as process:
        yield process


@pytest.fixture(scope="module")
def client(running: RuntimeProcess) -> Client:
    return running.client


@pytest.fixture(scope="module")
def driven(client: Client) -> Iterator[Driven]:
    """Three days of captures through the real pipeline: forms, meetings booked by webhook, touches, sales actions,
    outcomes, disqualified leads recycled the next day, and SLA deadlines passing on the runtime's clock."""
    lifecycle = client.get("/v1/config/lifecycle").json()["body"]
    next_day = {"code": RECYCLED_NEXT_DAY, "label": "Call again tomorrow", "recycle_after_days": 1}
    put_config(client, "lifecycle", {**lifecycle, "reason_codes": [*lifecycle["reason_codes"], next_day]})
    try:
        yield drive(client)
    finally:
        put_config(client, "lifecycle", lifecycle)


def drive(client: Client) -> Driven:
    rng = random.Random(20261205)
    days: set[str] = set()
    for _ in range(3):
        submissions = [capture(client, rng, senior=rng.random() < 0.55) for _ in range(LEADS_PER_DAY)]
        settle(client)
        lead_ids = [client.wait_for_submission(s)["lead_id"] for s in submissions]
        leads = [client.get(f"/v1/leads/{lead_id}").json() for lead_id in lead_ids]
        days |= {brute_force.capture_day(lead) for lead in leads}
        for lead in leads:
            if lead["stage"] == "new" and rng.random() < 0.3:
                engage(client, lead["email"])  # a meeting booked: may make it an MQL
        settle(client)
        for lead_id in lead_ids:
            lead = client.get(f"/v1/leads/{lead_id}").json()
            if lead["stage"] == "mql":
                sales_work(client, rng, lead)
        control(client, "/_local/clock/advance", {"hours": 2})  # untouched MQLs breach their SLA
        control(client, "/_local/clock/advance", {"hours": 22})
    control(client, "/_local/clock/advance", {"days": 1})  # the last day's disqualified leads come back too
    first, last = min(days), max(days)
    stored = [lead for lead in brute_force.every_lead(client) if first <= brute_force.capture_day(lead) <= last]
    assert len(stored) >= 3 * LEADS_PER_DAY
    assert any(
        lead["stage"] == "recycled" for lead in stored
    )  # the mix includes leads recycled after a disqualification
    return Driven(stored, first, last)


def test_the_funnel_equals_brute_force_in_every_grouping(client: Client, driven: Driven) -> None:
    for group_by in ("source", "campaign", "form", "grade", "rep", "team", "track"):
        expected = brute_force.funnel(driven.stored, group_by)
        rows = report(client, "funnel", driven.first, driven.last, group_by)["rows"]
        actual = {row["group"]: {k: row[k] for k in ("leads", *brute_force.FUNNEL, "disqualified", "lost") if row[k]}
                  for row in rows}  # fmt: skip
        assert actual == {g: {k: v for k, v in row.items() if v} for g, row in expected.items()}, group_by
    total = report(client, "funnel", driven.first, driven.last, "day")["total"]
    assert total["leads"] == len(driven.stored)
    assert total["mql"] >= 10 and total["customer"] + total["lost"] >= 1  # the mix reached every part of the funnel


def test_speed_to_lead_and_sla_equal_brute_force(client: Client, driven: Driven) -> None:
    for group_by in ("rep", "team"):
        rows = report(client, "speed-to-lead", driven.first, driven.last, group_by)["rows"]
        figures = {
            row["group"]: row["capture_to_first_touch"] for row in rows if row["capture_to_first_touch"]["count"]
        }
        actual_speed = {g: (f["count"], f["p50_seconds"], f["p90_seconds"]) for g, f in figures.items()}
        assert actual_speed == brute_force.speed(driven.stored, group_by), group_by

    sla_rows = report(client, "sla", driven.first, driven.last, "rep")["rows"]
    actual_turns = {row["group"]: (row["turns"], row["turns_missed"]) for row in sla_rows if row["turns"]}
    expected_turns = {rep: turns for rep, turns in brute_force.sla_turns(driven.stored).items() if turns[0]}
    assert actual_turns == expected_turns
    assert sum(missed for _, missed in expected_turns.values()) >= 1  # some SLA was breached


def test_cohorts_attribution_and_velocity_equal_brute_force(client: Client, driven: Driven) -> None:
    first, last = driven.first, driven.last
    cohort_rows = report(client, "cohorts", first, last, "week")["rows"]
    actual_cohorts = {
        row["group"]: {"leads": row["leads"]}
        | {
            f"{stage}@{w['days']}": w[stage]["numerator"]
            for w in row["windows"]
            for stage in ("mql", "sql", "customer")
        }
        for row in cohort_rows
    }
    assert {g: {k: v for k, v in r.items() if v} for g, r in actual_cohorts.items()} == brute_force.cohorts(
        driven.stored
    )

    for model, which in (("first_touch", 0), ("last_touch", -1)):
        rows = client.get(f"/v1/reports/attribution?from={first}&to={last}&model={model}").json()["rows"]
        credited = {row["group"]: (row["opportunities"], row["won_amount"]) for row in rows}
        assert credited == brute_force.single_touch(driven.stored, which), model
    opportunities = report(client, "funnel", first, last, "day")["total"]["opportunity"]
    linear = client.get(f"/v1/reports/attribution?from={first}&to={last}&model=linear").json()["total"]
    assert linear["opportunities"] == opportunities >= 1  # every opportunity credited once, in parts

    velocity = report(client, "velocity", first, last, "source")["rows"]
    expected_funnel = brute_force.funnel(driven.stored, "source")
    assert {row["group"]: row["opportunities"] for row in velocity if row["opportunities"]} == {
        group: row["opportunity"] for group, row in expected_funnel.items() if row.get("opportunity")
    }


def test_a_replayed_event_changes_nothing_and_a_rebuild_equals_the_live_cells(client: Client, driven: Driven) -> None:
    before = report(client, "funnel", driven.first, driven.last, "source")
    replayed = next(lead for lead in driven.stored if lead["stage"] != "new")
    detail = {"lead_id": replayed["lead_id"], "from_stage": "new", "to_stage": replayed["stage"], "reason": "replay"}
    event = {"source": "leadflow", "detail-type": "lead.stage_changed", "detail": detail}

    assert control(client, "/_local/events", [event, event]) == {"published": 2}  # delivered twice more
    assert report(client, "funnel", driven.first, driven.last, "source") == before

    checked = control(client, "/_local/reports/rebuild", {"check": True})
    assert checked["differences"] == [] and checked["leads"] >= len(driven.stored)
