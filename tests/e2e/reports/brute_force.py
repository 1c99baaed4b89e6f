"""The reports' figures computed the slow, obvious way: from every stored lead as the API shows it (lead and history),
one lead at a time. The oracle the projections are held to; written apart from leadflow.domain.report_cells."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from leadflow.domain.latency_histogram import bucket_of, upper_bound

from tests.http_client import Client

FUNNEL = ("mql", "sal", "sql", "opportunity", "customer")


def every_lead(client: Client) -> list[dict[str, Any]]:
    """Every lead the API lists, each read whole (with its history)."""
    ids: list[str] = []
    for stage in ("new", "mql", "sal", "sql", "opportunity", "customer", "disqualified", "recycled"):
        cursor = ""
        while True:
            page = client.get(f"/v1/leads?stage={stage}&limit=100{cursor}").json()
            ids += [lead["lead_id"] for lead in page["items"]]
            if not page.get("next_cursor"):
                break
            cursor = f"&cursor={page['next_cursor']}"
    leads = [client.get(f"/v1/leads/{lead_id}").json() for lead_id in sorted(set(ids))]
    return [lead for lead in leads if not lead.get("merged_into")]


def capture_day(lead: dict[str, Any]) -> str:
    return datetime.fromisoformat(lead["created_at"]).astimezone(UTC).date().isoformat()


def value_of(lead: dict[str, Any], dimension: str) -> str:
    source = lead.get("first_source") or {}
    assignment = lead.get("assignment") or {}
    raw = {
        "source": source.get("utm_source"),
        "campaign": source.get("utm_campaign"),
        "form": source.get("form_id") or (lead["form_ids"][0] if lead.get("form_ids") else None),
        "grade": (lead.get("score") or {}).get("grade"),
        "rep": assignment.get("rep_id"),
        "team": assignment.get("team"),
        "priority": (lead.get("sla") or {}).get("priority"),
        "track": max(lead["nurture"], key=lambda e: e["enrolled_at"])["track_id"] if lead.get("nurture") else None,
    }[dimension]
    return raw if raw else "(none)"


def reached(lead: dict[str, Any]) -> set[str]:
    stages = {lead["stage"]}
    for entry in lead.get("history", []):
        if entry["kind"] in ("stage_changed", "disqualified", "recycled"):
            stages.add(entry["detail"].get("to"))
    return stages & set(FUNNEL)


def funnel(leads: Iterable[dict[str, Any]], dimension: str) -> dict[str, dict[str, int]]:
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for lead in leads:
        row = rows[value_of(lead, dimension)]
        row["leads"] += 1
        for stage in reached(lead):
            row[stage] += 1
        disqualified = any(e["kind"] == "disqualified" for e in lead.get("history", []))
        row["disqualified"] += int(disqualified or lead.get("disqualification") is not None)
        outcome = lead.get("outcome") or {}
        row["lost"] += int(outcome.get("result") == "lost")
    return {group: dict(row) for group, row in rows.items()}


def nearest_rank_bucket(values: list[float], fraction: float) -> float | None:
    """The exact nearest-rank percentile, reported as its bucket's upper bound (what the API documents)."""
    if not values:
        return None
    exact = sorted(values)[max(1, math.ceil(fraction * len(values))) - 1]
    return upper_bound(bucket_of(exact))


def speed(leads: Iterable[dict[str, Any]], dimension: str) -> dict[str, tuple[int, float | None, float | None]]:
    touched: dict[str, list[float]] = defaultdict(list)
    for lead in leads:
        if lead.get("speed_to_lead_seconds") is not None:
            touched[value_of(lead, dimension)].append(lead["speed_to_lead_seconds"])
    return {
        group: (len(values), nearest_rank_bucket(values, 0.5), nearest_rank_bucket(values, 0.9))
        for group, values in touched.items()
    }


def sla_turns(leads: Iterable[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Per rep: (turns decided, turns missed). A rep held a turn per time they owned the lead in its SLA; the current
    owner's turn is undecided while its deadline runs and they have not breached."""
    turns: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for lead in leads:
        sla = lead.get("sla")
        if not sla:
            continue
        breached = [breach["rep_id"] for breach in sla["breaches"]]
        owners = list(sla["owners"] or [sla["rep_id"]])
        open_turn = sla["status"] == "running" and (not breached or breached[-1] != sla["rep_id"])
        if open_turn and owners.count(sla["rep_id"]) > breached.count(sla["rep_id"]):
            owners.remove(sla["rep_id"])
        for rep in owners:
            turns[rep][0] += 1
        for rep in breached:
            turns[rep][1] += 1
    return {rep: (held, missed) for rep, (held, missed) in turns.items()}


def first_reached_at(lead: dict[str, Any]) -> dict[str, datetime]:
    """When the lead first entered each stage: its history's stage changes (and its current stage)."""
    moves = sorted(
        (datetime.fromisoformat(e["at"]), e["detail"].get("to"))
        for e in lead.get("history", [])
        if e["kind"] in ("stage_changed", "disqualified", "recycled")
    )
    if lead.get("stage_changed_at") and lead["stage"] not in {stage for _, stage in moves}:
        moves.append((datetime.fromisoformat(lead["stage_changed_at"]), lead["stage"]))
    found: dict[str, datetime] = {}
    for at, stage in moves:
        found.setdefault(stage, at)
    return found


def cohorts(leads: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per capture week (Monday): leads, and those that reached MQL, SQL, customer within 7, 30 and 90 days."""
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for lead in leads:
        day = datetime.fromisoformat(capture_day(lead)).date()
        row = rows[(day - timedelta(days=day.weekday())).isoformat()]
        row["leads"] += 1
        created = datetime.fromisoformat(lead["created_at"])
        for stage, at in first_reached_at(lead).items():
            for window in (7, 30, 90):
                if stage in ("mql", "sql", "customer") and (at - created) <= timedelta(days=window):
                    row[f"{stage}@{window}"] += 1
    return {week: dict(row) for week, row in rows.items()}


def touch_channels(lead: dict[str, Any], until: datetime) -> list[str]:
    touches = []
    for entry in lead.get("history", []):
        at = datetime.fromisoformat(entry["at"])
        if at > until:
            continue
        if entry["kind"] == "submission":
            touches.append((at, (entry["detail"].get("source") or {}).get("utm_source") or "(none)"))
        elif entry["kind"] == "engagement":
            properties = entry["detail"].get("properties") or {}
            touches.append((at, properties.get("utm_source") or entry["detail"].get("source") or "(none)"))
    return [channel for _, channel in sorted(touches)] or ["(none)"]


def single_touch(leads: Iterable[dict[str, Any]], which: int) -> dict[str, tuple[float, float]]:
    """First-touch (which=0) or last-touch (which=-1) credit per channel: (opportunities, won amount)."""
    credit: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for lead in leads:
        opportunity_at = first_reached_at(lead).get("opportunity")
        if opportunity_at is None:
            continue
        channel = touch_channels(lead, opportunity_at)[which]
        credit[channel][0] += 1
        outcome = lead.get("outcome") or {}
        if outcome.get("result") == "won":
            credit[channel][1] += outcome.get("amount") or 0
    return {channel: (opportunities, round(amount, 2)) for channel, (opportunities, amount) in credit.items()}
