"""The overview's report panels held against the API: for the range the page shows, each panel's cells carry the
API's figures (raw in `data-value`, and as text formatted for people), flags and marks where the API's numbers call
for them, and a screenshot of each panel in tests/artifacts/."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from tests.http_client import Client

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

# Every cell with a figure of a panel's rows: {group: [{dataset..., "text": ..., "class": ...}]}.
CELLS = (
    "rows => Object.fromEntries(rows.map(tr => [tr.dataset.group, Array.from(tr.querySelectorAll('td[data-value]'))"
    ".map(td => ({...td.dataset, text: td.textContent, class: td.className}))]))"
)
# Each experiment's box: its arms' figures and its comparisons as shown.
EXPERIMENTS = """boxes => boxes.map(box => ({
  id: box.dataset.id, metric: box.dataset.metric,
  arms: Object.fromEntries(Array.from(box.querySelectorAll('.arms tbody tr')).map(tr => [tr.dataset.arm,
    Object.fromEntries(Array.from(tr.querySelectorAll('td[data-field]'))
      .map(td => [td.dataset.field, td.dataset.value]))])),
  comparisons: Array.from(box.querySelectorAll('.comparisons tbody tr')).map(tr => ({
    challenger: tr.dataset.challenger, marked: tr.classList.contains('significant'),
    p: tr.querySelector('[data-field=p_value]').dataset.value,
    p_text: tr.querySelector('[data-field=p_value]').textContent,
    verdict: tr.querySelector('[data-field=verdict]').textContent}))}))"""
DURATION = re.compile(r"^(\d+(?:\.\d)?) (s|min|h|d)$")
SECONDS_PER = {"s": 1, "min": 60, "h": 3600, "d": 86400}


def shown_range(page: Page) -> str:
    return f"from={page.input_value('#from')}&to={page.input_value('#to')}"


def report(client: Client, page: Page, kind: str, params: str = "") -> dict[str, Any]:
    reply = client.get(f"/v1/reports/{kind}?{shown_range(page)}{params}")
    assert reply.status == 200, reply.body
    answer: dict[str, Any] = reply.json()
    return answer


def cells(page: Page, table: str) -> dict[str, list[dict[str, str]]]:
    page.wait_for_selector(f"{table} tbody tr")
    found: dict[str, list[dict[str, str]]] = page.eval_on_selector_all(f"{table} tbody tr", CELLS)
    return found


def one(found: list[dict[str, str]], **where: str) -> dict[str, str]:
    matching = [c for c in found if all(c.get(k) == v for k, v in where.items())]
    assert len(matching) == 1, (where, found)
    return matching[0]


def value(shown: dict[str, str]) -> float | None:
    return None if shown["value"] == "null" else float(shown["value"])


def half_up(number: float, places: str) -> Decimal:
    """As the browser rounds (`toFixed`, `toLocaleString`): the exact value of the float, a tie away from zero."""
    return Decimal(number).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{half_up(rate * 100, '0.1')}%"


def money(amount: float | None) -> str:
    return "—" if amount is None else f"{half_up(amount, '0.01'):,}"


def seconds_shown(text: str) -> float:
    """A duration as the page writes it ("42 s", "3.5 min", "1.2 h", "2.0 d"), back in seconds."""
    found = DURATION.match(text)
    assert found, f"not a duration: {text!r}"
    return float(found.group(1)) * SECONDS_PER[found.group(2)]


def same_days(shown: dict[str, str], days: float | None) -> None:
    assert value(shown) == days
    if days is None:
        assert shown["text"] == "—"
        return
    seconds = days * 86400
    assert abs(seconds_shown(shown["text"]) - seconds) <= max(0.5, seconds * 0.05), (shown, days)


def shows_sla_compliance_per_rep(page: Page, client: Client) -> None:
    answer = report(client, page, "sla", "&group_by=rep")
    headlines = client.get("/v1/reports/headlines").json()["headlines"]
    target = next(h["target"] for h in headlines if h["id"] == "sla_compliance")
    shown = cells(page, "#sla")
    assert set(shown) == {row["group"] for row in answer["rows"]} | {"total"}
    for row in [*answer["rows"], answer["total"]]:
        for field in ("leads_with_sla", "met_in_time", "breached_leads", "turns", "turns_missed", "breaches"):
            cell = one(shown[row["group"]], field=field)
            assert (value(cell), cell["text"]) == (row[field], f"{row[field]:,}")
        compliance = one(shown[row["group"]], field="compliance")
        rate = row["compliance"]["rate"]
        below = rate is not None and rate < target
        assert value(compliance) == rate and compliance["text"].startswith(percent(rate))
        assert compliance["flagged"] == str(below).lower() and ("below-target" in compliance["class"]) == below
    # the rep who let a lead's SLA pass is flagged under the target
    assert any(one(rows, field="compliance")["flagged"] == "true" for rows in shown.values())
    page.locator("#sla-panel").screenshot(path=str(ARTIFACTS / "dashboard-sla.png"))


def shows_the_cohorts(page: Page, client: Client) -> None:
    answer = report(client, page, "cohorts", "&group_by=week")
    shown = cells(page, "#cohorts")
    assert set(shown) == {row["group"] for row in answer["rows"]}
    immature = False
    for row in answer["rows"]:
        assert value(one(shown[row["group"]], field="leads")) == row["leads"]
        for window in row["windows"]:
            immature = immature or not window["mature"]
            for rate in ("mql", "sql", "customer"):
                cell = one(shown[row["group"]], days=str(window["days"]), rate=rate)
                assert value(cell) == window[rate]["rate"] and cell["text"] == percent(window[rate]["rate"])
                assert cell["mature"] == str(window["mature"]).lower()
                assert ("immature" in cell["class"]) == (not window["mature"])  # greyed until every lead is that old
    assert immature  # this week's leads are not 7 days old yet
    assert "can still grow" in page.inner_text("#cohorts-panel .immature-note")
    page.locator("#cohorts-panel").screenshot(path=str(ARTIFACTS / "dashboard-cohorts.png"))


def shows_the_attribution_of(page: Page, client: Client, model: str) -> list[dict[str, Any]]:
    answer = report(client, page, "attribution", f"&model={model}")
    page.wait_for_selector(f"#attribution-body[data-model='{model}'] tbody tr")
    shown = cells(page, "#attribution")
    assert set(shown) == {row["group"] for row in answer["rows"]} | {"total"}
    for row in [*answer["rows"], answer["total"]]:
        credited, won = one(shown[row["group"]], field="opportunities"), one(shown[row["group"]], field="won_amount")
        assert (value(credited), credited["text"]) == (row["opportunities"], str(half_up(row["opportunities"], "0.01")))
        assert (value(won), won["text"]) == (row["won_amount"], money(row["won_amount"]))
    charted = page.evaluate("() => window.Chart.getChart('attribution-chart').data")
    assert charted["labels"] == [row["group"] for row in answer["rows"]]
    assert charted["datasets"][0]["data"] == [row["opportunities"] for row in answer["rows"]]
    rows: list[dict[str, Any]] = answer["rows"]
    return rows


def shows_attribution_by_the_chosen_model(page: Page, client: Client) -> None:
    linear = shows_the_attribution_of(page, client, "linear")  # the model shown first
    page.locator("#attribution-panel").screenshot(path=str(ARTIFACTS / "dashboard-attribution.png"))
    page.select_option("#attribution-model", "last_touch")
    last_touch = shows_the_attribution_of(page, client, "last_touch")
    assert last_touch != linear  # a lead with two channels before its opportunity: the models credit differently


def shows_velocity_per_source(page: Page, client: Client) -> None:
    answer = report(client, page, "velocity", "&group_by=source")
    shown = cells(page, "#velocity")
    assert set(shown) == {row["group"] for row in answer["rows"]} | {"total"}
    for row in [*answer["rows"], answer["total"]]:
        mine = shown[row["group"]]
        for field in ("opportunities", "won", "lost"):
            assert value(one(mine, field=field)) == row[field]
        win_rate = one(mine, field="win_rate")
        assert (value(win_rate), win_rate["text"]) == (row["win_rate"]["rate"], percent(row["win_rate"]["rate"]))
        for field in ("average_deal", "velocity_per_day", "spend", "cost_per_mql", "cost_per_sql"):
            cell = one(mine, field=field)
            assert (value(cell), cell["text"]) == (row[field], money(row[field]))
        same_days(one(mine, field="average_cycle_days"), row["average_cycle_days"])
        for stay in row["days_in_stage"]:
            same_days(one(mine, stage=stay["stage"]), stay["average_days"])
    assert any(row["spend"] for row in answer["rows"])  # a source with spend shows its cost per MQL and SQL
    page.locator("#velocity-panel").screenshot(path=str(ARTIFACTS / "dashboard-velocity.png"))


def shows_the_experiments(page: Page, client: Client) -> None:
    answer = report(client, page, "experiments")
    assert answer["experiments"], "the demo nurture track has an A/B step: there is always an experiment"
    page.wait_for_selector("#experiments-panel .experiment")
    shown = page.eval_on_selector_all("#experiments-panel .experiment", EXPERIMENTS)
    assert [(box["id"], box["metric"]) for box in shown] == [(x["id"], x["metric"]) for x in answer["experiments"]]
    for box, experiment in zip(shown, answer["experiments"], strict=True):
        for arm in experiment["arms"]:
            figures = box["arms"][arm["name"]]
            assert (float(figures["successes"]), float(figures["trials"])) == (arm["successes"], arm["trials"])
            assert (None if figures["rate"] == "null" else float(figures["rate"])) == arm["rate"]
        assert [c["challenger"] for c in box["comparisons"]] == [c["challenger"] for c in experiment["comparisons"]]
        for seen, comparison in zip(box["comparisons"], experiment["comparisons"], strict=True):
            p = comparison["p_value"]
            assert seen["marked"] == comparison["significant"]
            if p is None:
                assert seen["p"] == "null" and seen["p_text"] == "not enough data" == seen["verdict"]
            else:
                assert float(seen["p"]) == p and seen["p_text"] == (
                    "< 0.001" if p < 0.001 else str(half_up(p, "0.001"))
                )
                assert seen["verdict"].endswith("not significant" if not comparison["significant"] else "significant")
    page.locator("#experiments-panel").screenshot(path=str(ARTIFACTS / "dashboard-experiments.png"))
