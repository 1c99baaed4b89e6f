"""One decision for one question: a file of leads run through `leadflow dedupe` and the same leads arriving one by
one through the pipeline's dedupe step end in the same people. The pipeline's identity rule (a known canonical
email joins its lead) and its phone candidates are part of the matching code the command runs."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from leadflow.models.events import SubmissionState
from leadflow.models.submission import StoredSubmission, SubmissionIn
from leadflow.services import pipeline
from leadflow.services.pipeline_deps import PipelineDeps

from infra.cli import dedupe as dedupe_cli
from infra.cli.dedupe_input import COLUMNS
from tests.unit.conftest import load_config, memory_deps

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
Row = dict[str, Any]

LEADS: list[Row] = [
    # names crossed over and misspelt, the same address in another case and as a display name, the phone with and
    # without its plus: one person by their email address
    {
        "lead_id": "r01",
        "first_name": "Wilkins",
        "last_name": "Zanke",
        "email": "wilkins.zane@primbee.io",
        "phone": "61287918563",
        "company": "Primbee",
        "country": "AU",
    },
    {
        "lead_id": "r02",
        "first_name": "Zane",
        "last_name": "Wilkins",
        "email": '"Zane Wilkins" <WILKINS.ZANE@PRIMBEE.IO>',
        "phone": "+61287918563",
        "company": "Primbee Pty Ltd",
        "country": "AU",
    },
    # another address, names in each other's boxes, the same mobile written nationally: one person by the phone
    {
        "lead_id": "r03",
        "first_name": "Priya",
        "last_name": "Raman",
        "email": "priya.raman@gmail.com",
        "phone": "+61 412 345 678",
        "country": "AU",
    },
    {
        "lead_id": "r04",
        "first_name": "Raman",
        "last_name": "Priya",
        "email": "p.raman@outlook.com",
        "phone": "0412 345 678",
        "country": "AU",
    },
    # two colleagues on one switchboard: two people
    {
        "lead_id": "r05",
        "first_name": "John",
        "last_name": "Smith",
        "email": "john.smith@acme.com",
        "phone": "+1 212 555 0100",
        "company": "Acme",
        "country": "US",
    },
    {
        "lead_id": "r06",
        "first_name": "Mary",
        "last_name": "Jones",
        "email": "mary.jones@acme.com",
        "phone": "(212) 555-0100",
        "company": "Acme Inc",
        "country": "US",
    },
    # Gmail's dots and a plus-tag: one address
    {"lead_id": "r07", "first_name": "Ada", "last_name": "Lovelace", "email": "ada.lovelace@gmail.com"},
    {"lead_id": "r08", "first_name": "Ada", "last_name": "L", "email": "AdaLovelace+webinar@gmail.com"},
    # namesakes at two companies: two people
    {
        "lead_id": "r09",
        "first_name": "Michael",
        "last_name": "Brown",
        "email": "michael.brown@globex.com",
        "company": "Globex",
    },
    {
        "lead_id": "r10",
        "first_name": "Michael",
        "last_name": "Brown",
        "email": "mbrown@initech.com",
        "company": "Initech",
    },
    # one name at one company under two work addresses: maybe colleagues, never merged by a machine
    {
        "lead_id": "r11",
        "first_name": "Anna",
        "last_name": "Kowalski",
        "email": "anna.kowalski@snowflake.com",
        "company": "Snowflake",
    },
    {
        "lead_id": "r12",
        "first_name": "Anna",
        "last_name": "Kowalski",
        "email": "a.kowalski@snowflake.com",
        "company": "Snowflake",
    },
    # a typo in the address at one employer, and the same mobile: one person by the probability
    {
        "lead_id": "r13",
        "first_name": "Dana",
        "last_name": "Whitfield",
        "email": "dana.whitfield@snowflake.com",
        "phone": "+44 7700 900123",
        "company": "Snowflake",
        "country": "GB",
    },
    {
        "lead_id": "r14",
        "first_name": "Dana",
        "last_name": "Whitfield",
        "email": "dana.whitfeild@snowflake.com",
        "phone": "07700 900123",
        "company": "Snowflake",
        "country": "GB",
    },
]
PEOPLE = [{"r01", "r02"}, {"r03", "r04"}, {"r07", "r08"}, {"r13", "r14"}]


def partition(groups: dict[str, str]) -> set[frozenset[str]]:
    by_group: dict[str, set[str]] = {}
    for record, group in groups.items():
        by_group.setdefault(group, set()).add(record)
    return {frozenset(members) for members in by_group.values()}


def through_the_pipeline(rows: list[Row]) -> dict[str, str]:
    """Each row submitted in turn and deduplicated by the pipeline's step: row id -> the lead it joined."""
    deps: PipelineDeps = memory_deps(NOW, {"matching": load_config("matching.yaml")})
    lead_of: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        fields = {key: value for key, value in row.items() if key != "lead_id"}
        document = SubmissionIn.model_validate({**fields, "form_id": "demo-request"})
        stored = StoredSubmission(submission_id=f"sub_{number:026d}", received_at=NOW, data=document)
        deps.store.put_submission(stored)
        state = pipeline.dedupe(
            SubmissionState(submission_id=stored.submission_id, received_at=NOW, submission=document), deps
        )
        assert state.lead is not None
        lead_of[row["lead_id"]] = state.lead.lead_id
    return lead_of


def through_the_command(rows: list[Row], folder: Path) -> dict[str, str]:
    """The rows as one CSV through `leadflow dedupe`: row id -> its cluster id (a row in no pair is its own)."""
    source, out = folder / "leads.csv", folder / "pairs.csv"
    with source.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    assert dedupe_cli.main([str(source), "--out", str(out), "--no-progress"]) == 0
    cluster_of = {row["lead_id"]: row["lead_id"] for row in rows}
    with out.open(encoding="utf-8", newline="") as stream:
        for pair in csv.DictReader(stream):
            if pair["decision"] == "merge":
                cluster_of[pair["lead_id_1"]] = cluster_of[pair["lead_id_2"]] = pair["cluster_id"]
    return cluster_of


def test_a_file_and_a_stream_of_the_same_leads_end_in_the_same_people(tmp_path: Path) -> None:
    streamed = partition(through_the_pipeline(LEADS))
    batched = partition(through_the_command(LEADS, tmp_path))

    assert streamed == batched
    assert {group for group in batched if len(group) > 1} == {frozenset(people) for people in PEOPLE}


@pytest.mark.parametrize("order", ["as given", "reversed"])
def test_the_order_leads_arrive_in_does_not_change_who_is_who(order: str, tmp_path: Path) -> None:
    rows = LEADS if order == "as given" else list(reversed(LEADS))

    assert partition(through_the_pipeline(rows)) == partition(through_the_command(rows, tmp_path))
