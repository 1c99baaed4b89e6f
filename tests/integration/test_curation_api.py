"""Resolving duplicates through the API: a grey-zone pair is listed on the lead, merged by a person, and unmerged
back to exactly what both leads were."""

from __future__ import annotations

from typing import Any

from infra.local.runtime import LocalRuntime
from tests.http_client import Client
from tests.names import unique_surname

# Nurture acts on the merge as it happens (the merged-away lead's enrolment ends, the survivor may get one) and
# writes the leads then: their enrolments and write times are checked apart, not restored.
VOLATILE = {"version", "history", "possible_duplicates", "nurture", "updated_at"}


def submit(client: Client, runtime: LocalRuntime, document: dict[str, Any]) -> str:
    reply = client.post_lead(document)
    assert reply.status == 202, reply.body
    runtime.wait_for_executions()
    lead_id: str = client.get(f"/v1/submissions/{reply.json()['submission_id']}").json()["lead_id"]
    return lead_id


def colleagues_or_one_person(client: Client, runtime: LocalRuntime) -> tuple[str, str]:
    """Same name at the same company under two work addresses: maybe one person, maybe two colleagues."""
    surname = unique_surname()
    base = {"first_name": "Anna", "last_name": surname, "company": "Snowflake", "form_id": "webinar-registration"}
    first = submit(client, runtime, {**base, "email": f"anna.{surname}@snowflake.com".lower(), "title": "Analyst"})
    second = submit(client, runtime, {**base, "email": f"a.{surname}@snowflake.com".lower(), "consent": True})
    return first, second


def test_a_grey_zone_pair_is_listed_as_possible_duplicates_on_both_leads(client: Client, runtime: LocalRuntime) -> None:
    first, second = colleagues_or_one_person(client, runtime)

    assert first != second
    listed = client.get(f"/v1/leads/{second}").json()["possible_duplicates"]
    assert [d["other_id"] for d in listed] == [first]
    assert listed[0]["evidence"] and 0 < listed[0]["probability"] < 1
    assert [d["other_id"] for d in client.get(f"/v1/leads/{first}").json()["possible_duplicates"]] == [second]


def test_merge_then_unmerge_restores_both_leads_field_by_field(client: Client, runtime: LocalRuntime) -> None:
    first, second = colleagues_or_one_person(client, runtime)
    before = {lead_id: client.get(f"/v1/leads/{lead_id}").json() for lead_id in (first, second)}

    merged = client.post(f"/v1/leads/{first}/duplicates/{second}", {"action": "merge", "actor": "rep:dana"})
    assert merged.status == 200, merged.body
    survivor = client.get(f"/v1/leads/{first}").json()
    assert sorted(survivor["submission_ids"]) == sorted(
        before[first]["submission_ids"] + before[second]["submission_ids"]
    )
    assert survivor["consent"] is True and survivor["merged_from"] == [second]
    assert client.get(f"/v1/leads/{second}").json()["merged_into"] == first
    assert survivor["possible_duplicates"] == []

    runtime.wait_for_executions()  # nurture has acted on the merge
    undone = client.post(f"/v1/leads/{first}/unmerge", {"actor": "rep:dana"})
    assert undone.status == 200, undone.body
    runtime.wait_for_executions()
    # the merged-away lead's enrolment ended with the merge and stays ended: no enrolment without its execution
    assert not [e for e in client.get(f"/v1/leads/{second}").json()["nurture"] if e["status"] == "active"]

    for lead_id in (first, second):
        after = client.get(f"/v1/leads/{lead_id}").json()
        for field, value in before[lead_id].items():
            if field not in VOLATILE:
                assert after[field] == value, f"{lead_id}.{field}"


def test_a_submission_after_unmerge_finds_its_own_lead_again(client: Client, runtime: LocalRuntime) -> None:
    first, second = colleagues_or_one_person(client, runtime)
    assert client.post(f"/v1/leads/{first}/duplicates/{second}", {"action": "merge"}).status == 200
    email = client.get(f"/v1/leads/{second}").json()["email"]
    # no wait: nurture is still acting on the merge while it is undone
    undone = client.post(f"/v1/leads/{first}/unmerge", {})
    assert undone.status == 200, undone.body

    again = submit(client, runtime, {"email": email, "form_id": "newsletter"})

    assert again == second


def test_dismissing_a_possible_duplicate_removes_the_link_from_both(client: Client, runtime: LocalRuntime) -> None:
    first, second = colleagues_or_one_person(client, runtime)

    reply = client.post(f"/v1/leads/{second}/duplicates/{first}", {"action": "dismiss", "actor": "rep:dana"})

    assert reply.status == 200
    assert client.get(f"/v1/leads/{first}").json()["possible_duplicates"] == []
    assert client.get(f"/v1/leads/{second}").json()["possible_duplicates"] == []


def test_curation_refusals_are_4xx_naming_the_problem(client: Client, runtime: LocalRuntime) -> None:
    first, second = colleagues_or_one_person(client, runtime)

    assert client.post(f"/v1/leads/{first}/unmerge", {}).status == 409
    assert client.post(f"/v1/leads/{first}/duplicates/{first}", {"action": "merge"}).status == 409
    missing = client.post(f"/v1/leads/{first}/duplicates/lead_00000000000000000000000000", {"action": "merge"})
    assert missing.status == 404 and "lead_00000000000000000000000000" in missing.json()["message"]
    unknown = client.post("/v1/leads/lead_00000000000000000000000000/unmerge", {})
    assert unknown.status == 404 and "lead_00000000000000000000000000" in unknown.json()["message"]
    bad = client.post(f"/v1/leads/{first}/duplicates/{second}", {"action": "combine"})
    assert bad.status == 422 and bad.json()["errors"][0]["field"] == "action"
    no_key = client.request("POST", f"/v1/leads/{first}/unmerge", b"{}", {"content-type": "application/json"})
    assert no_key.status == 403


def queued_pairs(client: Client) -> list[tuple[str, str]]:
    """Every pair in GET /v1/duplicates, page after page."""
    pairs: list[tuple[str, str]] = []
    cursor = ""
    for _ in range(50):  # other tests' pairs share the runtime; far fewer pages than this
        answer = client.get("/v1/duplicates?limit=20" + (f"&cursor={cursor}" if cursor else ""))
        assert answer.status == 200, answer.body
        pairs += [(item["lead_id"], item["other_id"]) for item in answer.json()["items"]]
        cursor = answer.json()["next_cursor"] or ""
        if not cursor:
            return pairs
    raise AssertionError("the queue did not end")


def test_the_duplicates_queue_lists_a_waiting_pair_once_until_it_is_dismissed(
    client: Client, runtime: LocalRuntime
) -> None:
    first, second = colleagues_or_one_person(client, runtime)

    waiting = [pair for pair in queued_pairs(client) if set(pair) == {first, second}]
    assert len(waiting) == 1
    lead_id, other_id = waiting[0]
    assert client.post(f"/v1/leads/{lead_id}/duplicates/{other_id}", {"action": "dismiss"}).status == 200

    assert not [pair for pair in queued_pairs(client) if set(pair) == {first, second}]


def test_an_erased_lead_leaves_the_duplicates_queue(client: Client, runtime: LocalRuntime) -> None:
    first, second = colleagues_or_one_person(client, runtime)
    assert [pair for pair in queued_pairs(client) if set(pair) == {first, second}]

    erased = client.request("DELETE", f"/v1/leads/{second}", headers={"x-api-key": client.api_key})
    assert erased.status == 200, erased.body

    assert not [pair for pair in queued_pairs(client) if second in pair]


def test_the_duplicates_queue_refuses_a_forged_cursor_and_an_unbounded_page(client: Client) -> None:
    forged = client.get("/v1/duplicates?cursor=bm90LWEtY3Vyc29y")
    too_many = client.get("/v1/duplicates?limit=1000")

    assert forged.status == 422 and b"cursor" in forged.body
    assert too_many.status == 422 and b"limit" in too_many.body
