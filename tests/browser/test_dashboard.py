"""The product dashboard in headless Chromium against `leadflow run`: the page a RevOps user opens, driven as they would
drive it. One browser session walks through every check, so CI pays for one Chromium start.

Needs Debian's Chromium (`apt-get install -y chromium chromium-driver`; `.ci/run` installs it): skipped when
/usr/bin/chromium is absent. A screenshot of each view is written to tests/artifacts/ (not tracked by git)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Dialog, Page, sync_playwright

from tests.browser import report_panels
from tests.e2e.local_process import RuntimeProcess
from tests.http_client import Client
from tests.names import unique_surname

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SOURCE = "browser-test"
HOSTILE_NAME = "<script>alert(1)</script>"
BANT = {"budget": "EUR 40k", "authority": "VP signs", "need": "routing", "timeline": "Q1"}

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]

# The flags that work on a closed network as root: no sandbox for root, and none of Chromium's own calls home.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    *(["--no-sandbox"] if os.geteuid() == 0 else []),
]


def wait_until(probe: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def submit(client: Client, document: dict[str, Any]) -> str:
    reply = client.post_lead({"form_id": "demo-request", "utm_source": SOURCE, **document})
    assert reply.status == 202, reply.body
    lead_id: str = client.wait_for_submission(reply.json()["submission_id"])["lead_id"]
    return lead_id


def possible_pair(client: Client) -> tuple[str, str]:
    """Same name at the same company under two work addresses: the pipeline links them as possible duplicates."""
    surname = unique_surname()
    base = {"first_name": "Anna", "last_name": surname, "company": "Snowflake", "form_id": "webinar-registration"}
    first = submit(client, {**base, "email": f"anna.{surname}@snowflake.com".lower(), "title": "Analyst"})
    second = submit(client, {**base, "email": f"a.{surname}@snowflake.com".lower(), "consent": True})
    wait_until(lambda: client.get(f"/v1/leads/{second}").json()["possible_duplicates"], "the pair to be linked")
    return first, second


def senior_mql(client: Client, **document: Any) -> str:
    """A VP at a known company who asked for a demo: an MQL the pipeline assigns to a rep under an SLA."""
    surname = unique_surname()
    person = {"email": f"lee.{surname}@snowflake.com".lower(), "first_name": "Lee", "last_name": surname}
    senior = {"title": "VP of Engineering", "company": "Snowflake", "consent": True}
    lead_id = submit(client, {**person, **senior, **document})
    client.wait_for_lead(lead_id, lambda lead: lead["owner_id"] is not None)
    return lead_id


def touch(client: Client, lead_id: str) -> None:
    owner = client.get(f"/v1/leads/{lead_id}").json()["owner_id"]
    reply = client.post(f"/v1/leads/{lead_id}/touch", {"type": "call", "actor": owner})
    assert reply.status == 200, reply.body


def close_deal(client: Client, lead_id: str, outcome: dict[str, Any]) -> None:
    """The rep's walk from first touch to a won or lost deal."""
    touch(client, lead_id)
    actor = {"actor": "rep:dana-whitfield"}
    for action in ({"action": "accept"}, {"action": "qualify", "qualification": BANT}, {"action": "open_opportunity"}):
        reply = client.post(f"/v1/leads/{lead_id}/stage", {**action, **actor})
        assert reply.status == 200, reply.body
    reply = client.post(f"/v1/leads/{lead_id}/outcome", {"currency": "EUR", **outcome, **actor})
    assert reply.status == 200, reply.body


def deals_and_a_missed_sla(runtime: RuntimeProcess) -> None:
    """A deal won after touches from two channels (so attribution models differ), one lost from a source with spend,
    and an MQL nobody touched until its SLA passed (its rep falls under the compliance target)."""
    client = runtime.client
    won = senior_mql(client)
    again = client.post_lead({"email": client.get(f"/v1/leads/{won}").json()["email"], "form_id": "contact-sales",
                              "utm_source": "linkedin", "consent": True})  # fmt: skip
    assert again.status == 202, again.body
    client.wait_for_submission(again.json()["submission_id"])
    close_deal(client, won, {"result": "won", "amount": 24000.0})
    lost = senior_mql(client, utm_source="google")
    close_deal(client, lost, {"result": "lost", "amount": 9000.0, "reason_code": "lost_to_competitor"})
    senior_mql(client)  # neglected
    headers = {"x-api-key": client.api_key, "content-type": "application/json"}
    reply = client.request("POST", "/_local/clock/advance", b'{"hours": 2}', headers)
    assert reply.status == 200, reply.body


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The runtime with a hostile-named MQL, two possible-duplicate pairs, a won and a lost deal and a missed SLA,
    counted by the reports."""
    with RuntimeProcess(tmp_path_factory.mktemp("browser") / "data") as runtime:
        client = runtime.client
        surname = unique_surname()
        hostile = submit(
            client,
            {
                "email": f"dana.{surname}@snowflake.com".lower(),
                "first_name": HOSTILE_NAME,
                "last_name": surname,
                "title": "VP of Engineering",
                "company": "Snowflake",
                "consent": True,
            },
        )
        client.wait_for_lead(hostile, lambda lead: lead["owner_id"] is not None)
        touch(client, hostile)  # in time: it keeps its rep when the clock moves on
        pairs = [possible_pair(client), possible_pair(client)]
        deals_and_a_missed_sla(runtime)
        today = datetime.now(UTC).date().isoformat()
        funnel = f"/v1/reports/funnel?from={today}&to={today}&group_by=source"
        wait_until(lambda: client.get(funnel).json()["total"]["leads"] >= 8, "the reports to count the leads")
        velocity = f"/v1/reports/velocity?from={today}&to={today}&group_by=source"
        wait_until(lambda: client.get(velocity).json()["total"]["won"] >= 1, "the reports to count the deals")
        sla = f"/v1/reports/sla?from={today}&to={today}&group_by=rep"
        wait_until(lambda: client.get(sla).json()["total"]["turns_missed"] >= 1, "the reports to count the breach")
        yield {"runtime": runtime, "client": client, "hostile": hostile, "pairs": pairs}


def shows_the_headline_numbers_the_api_reports(page: Page, client: Client) -> None:
    api_headlines = client.get("/v1/reports/headlines").json()["headlines"]
    page.wait_for_selector("#headlines .headline")
    page.wait_for_selector("#sources table")
    page.wait_for_selector("#experiments-panel h2 ~ *")  # the report panels below have loaded too
    shown = page.eval_on_selector_all(
        "#headlines .headline",
        "nodes => nodes.map(n => [n.dataset.id, n.dataset.value, n.dataset.status,"
        " n.classList.contains('attention'), n.querySelector('.value').textContent])",
    )
    assert [row[0] for row in shown] == [h["id"] for h in api_headlines]
    for (_, value, status, flagged, text), headline in zip(shown, api_headlines, strict=True):
        expected = headline["value"]
        assert (None if value == "null" else float(value)) == (None if expected is None else float(expected))
        assert status == headline["status"] and flagged == (headline["status"] == "attention")
        assert text.strip()
    page.screenshot(path=str(ARTIFACTS / "dashboard-overview.png"), full_page=True)


def drills_from_a_number_to_a_lead_page(page: Page, client: Client, lead_id: str) -> None:
    page.click(f"#sources button.drill[data-value='{SOURCE}'][data-counter='leads']")
    page.wait_for_selector(f"#drill a.lead-link[data-lead='{lead_id}']")
    page.click(f"#drill a.lead-link[data-lead='{lead_id}']")
    page.wait_for_selector("#lead-name")
    last_name = client.get(f"/v1/leads/{lead_id}").json()["last_name"]
    assert page.text_content("#lead-name") == f"{HOSTILE_NAME} {last_name}"  # the name as text, not as markup
    assert page.locator("#score-lines tr").count() > 1  # the score, line by line
    assert "rule 'enterprise' matched" in page.inner_text("#assignment")  # the assignment and why
    assert page.locator("#timeline li").count() > 1
    page.screenshot(path=str(ARTIFACTS / "dashboard-lead.png"), full_page=True)


def shows_the_lead_in_its_reps_queue(page: Page, client: Client, base_url: str, lead_id: str) -> None:
    owner = client.get(f"/v1/leads/{lead_id}").json()["owner_id"]
    page.goto(f"{base_url}/dashboard#/queue?rep={owner}")
    page.wait_for_selector(f"#queue a.lead-link[data-lead='{lead_id}']")
    assert HOSTILE_NAME in page.inner_text("#queue")


def merges_and_dismisses_from_the_duplicates_queue(
    page: Page, client: Client, base_url: str, pairs: list[tuple[str, str]]
) -> None:
    (merged_a, merged_b), (kept_a, kept_b) = pairs
    page.goto(f"{base_url}/dashboard#/duplicates")
    rows = {
        action: page.locator(f"#duplicates tr[data-lead='{min(a, b)}'][data-other='{max(a, b)}']")
        for (a, b), action in (((merged_a, merged_b), "merge"), ((kept_a, kept_b), "dismiss"))
    }
    for row in rows.values():
        row.wait_for()
    page.screenshot(path=str(ARTIFACTS / "dashboard-duplicates.png"), full_page=True)
    for action, row in rows.items():
        row.locator(f"button.{action}").click()
        row.wait_for(state="detached")
    survivor, merged = min(merged_a, merged_b), max(merged_a, merged_b)
    assert client.get(f"/v1/leads/{merged}").json()["merged_into"] == survivor
    assert client.get(f"/v1/leads/{kept_a}").json()["possible_duplicates"] == []
    assert client.get(f"/v1/leads/{kept_b}").json()["merged_into"] is None


def test_the_dashboard_in_a_browser(stack: dict[str, Any]) -> None:
    client: Client = stack["client"]
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))

            def on_dialog(dialog: Dialog) -> None:  # an alert() that ran: recorded, then closed so the page goes on
                dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", on_dialog)

            # the key is asked once, kept for the tab
            page.goto(f"{client.base_url}/dashboard")
            page.fill("#api-key", "local-dev-key")
            page.click("#login button[type=submit]")

            shows_the_headline_numbers_the_api_reports(page, client)
            report_panels.shows_sla_compliance_per_rep(page, client)
            report_panels.shows_the_cohorts(page, client)
            report_panels.shows_attribution_by_the_chosen_model(page, client)
            report_panels.shows_velocity_per_source(page, client)
            report_panels.shows_the_experiments(page, client)
            drills_from_a_number_to_a_lead_page(page, client, stack["hostile"])
            shows_the_lead_in_its_reps_queue(page, client, client.base_url, stack["hostile"])
            merges_and_dismisses_from_the_duplicates_queue(page, client, client.base_url, stack["pairs"])
        finally:
            browser.close()

    assert dialogs == []  # the hostile name never ran
    assert errors == []  # nothing failed to load, no script error
