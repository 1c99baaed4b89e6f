"""The contract of the report projection, for the DynamoDB adapter (under moto) and its in-memory twin alike: a
contribution replaced only over the revision it was read at, cells summed across months, members listed a page at a
time, everything cleared for a rebuild."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoReportProjection
from leadflow.adapters.memory import InMemoryReportProjection
from leadflow.models.reports import Cell, Contribution
from leadflow.ports.reports import CellRange, ContributionChange, ReportProjection, StoredContribution
from moto import mock_aws

from infra.local.moto_hooks import query_partitions_not_tables, serialise_dynamodb_writes
from infra.local.runtime import MOTO_CONFIG
from tests.integration.store_contract.conftest import all_at_once
from tests.integration.tables import create_tables


@pytest.fixture(params=["dynamodb", "memory"])
def projection(request: pytest.FixtureRequest, aws_credentials: None) -> Iterator[ReportProjection]:
    if request.param == "memory":
        yield InMemoryReportProjection()
        return
    with mock_aws(config=MOTO_CONFIG):
        serialise_dynamodb_writes()
        query_partitions_not_tables()
        tables = create_tables(boto3.resource("dynamodb", region_name="us-east-1"))
        yield DynamoReportProjection(tables.reports)


def cells_of(day: str, source: str, **counters: int) -> Contribution:
    return {Cell("all", day, "all"): dict(counters), Cell("source", day, source): dict(counters)}


def replace(
    projection: ReportProjection,
    lead_id: str,
    before: StoredContribution | None,
    after: StoredContribution,
    delta: Contribution,
) -> bool:
    """One lead's change on its own: True when written."""
    return projection.replace_many([ContributionChange(lead_id, before, after, delta)]) == []


def store(projection: ReportProjection, lead_id: str, cells: Contribution) -> StoredContribution:
    after = StoredContribution(revision=1, lead_version=1, cells=cells)
    assert replace(projection, lead_id, None, after, cells)
    return after


def test_a_contribution_is_replaced_only_over_the_revision_it_was_read_at(projection: ReportProjection) -> None:
    first = store(projection, "lead_1", cells_of("2026-11-02", "google", leads=1))
    newer = StoredContribution(revision=2, lead_version=2, cells=cells_of("2026-11-02", "google", leads=1, mql=1))
    delta = {cell: {"mql": 1} for cell in newer.cells}

    assert replace(projection, "lead_1", first, newer, delta) is True
    assert replace(projection, "lead_1", first, newer, delta) is False  # read before the write above: refused
    assert replace(projection, "lead_1", None, first, first.cells) is False  # a second first write: refused
    assert projection.contribution("lead_1") == newer
    assert projection.cells("all", "2026-11-01", "2026-11-30").cells == [
        (Cell("all", "2026-11-02", "all"), {"leads": 1, "mql": 1})
    ]


def test_concurrent_writers_over_one_revision_leave_exactly_one_winner(projection: ReportProjection) -> None:
    first = store(projection, "lead_1", cells_of("2026-11-02", "google", leads=1))
    newer = StoredContribution(revision=2, lead_version=2, cells=cells_of("2026-11-02", "google", leads=1, mql=1))
    delta = {cell: {"mql": 1} for cell in newer.cells}

    won = all_at_once(6, lambda _: replace(projection, "lead_1", first, newer, delta))

    assert sorted(won) == [False] * 5 + [True]
    assert projection.cells("all", "2026-11-02", "2026-11-02").cells[0][1] == {"leads": 1, "mql": 1}


def test_cells_are_read_across_months_and_retracted_counts_vanish(projection: ReportProjection) -> None:
    for n, day in enumerate(["2026-10-31", "2026-11-01", "2026-12-01", "2027-01-02"]):
        store(projection, f"lead_{n}", cells_of(day, "google", leads=1))
    gone = projection.contribution("lead_3")
    assert gone is not None
    retract = {cell: {"leads": -1} for cell in gone.cells}
    replace(projection, "lead_3", gone, StoredContribution(revision=2, lead_version=3), retract)

    read = projection.cells("source", "2026-11-01", "2027-01-31")

    assert [cell.day for cell, _ in read.cells] == ["2026-11-01", "2026-12-01"]
    assert read.items_read >= 2
    assert sorted(cell.day for cell, _ in projection.all_cells() if cell.dimension == "all") == [
        "2026-10-31",
        "2026-11-01",
        "2026-12-01",
    ]


def test_members_are_listed_a_page_at_a_time_by_counter_oldest_first(projection: ReportProjection) -> None:
    for n in range(9):
        counters = {"leads": 1, "mql": 1} if n % 3 else {"leads": 1}
        store(projection, f"lead_{n}", cells_of(f"2026-11-{n + 1:02d}", "google", **counters))
    wanted = CellRange("source", "google", "2026-11-01", "2026-11-30")

    listed, cursor, pages = [], None, 0
    while True:
        page = projection.members(wanted, "mql", limit=2, cursor=cursor)
        listed += [(member.day, member.lead_id) for member in page.items]
        pages += 1
        if page.cursor is None:
            break
        cursor = page.cursor

    assert [lead for _, lead in listed] == ["lead_1", "lead_2", "lead_4", "lead_5", "lead_7", "lead_8"]
    assert pages <= 4
    with pytest.raises(ValueError, match="cursor"):
        projection.members(wanted, "mql", limit=2, cursor="not-ours")


def test_clear_forgets_every_contribution_cell_and_member(projection: ReportProjection) -> None:
    store(projection, "lead_1", cells_of("2026-11-02", "google", leads=1))

    projection.clear()

    assert projection.contribution("lead_1") is None
    assert list(projection.all_cells()) == [] and list(projection.lead_ids()) == []
    assert (
        projection.members(CellRange("all", "all", "2026-11-01", "2026-11-30"), "leads", limit=5, cursor=None).items
        == []
    )


def first_write(lead_id: str, cells: Contribution) -> ContributionChange:
    return ContributionChange(lead_id, None, StoredContribution(revision=1, lead_version=1, cells=cells), cells)


def test_a_batch_of_leads_sharing_cells_is_written_with_their_sums(projection: ReportProjection) -> None:
    # 70 leads of one day: 70 contributions, 140 member entries and 4 shared cells — more than one transaction holds.
    changes = [
        first_write(f"lead_{n}", cells_of("2026-11-02", "google" if n % 2 else "bing", leads=1)) for n in range(70)
    ]

    assert projection.replace_many(changes) == []

    assert projection.cells("source", "2026-11-01", "2026-11-30").cells == [
        (Cell("source", "2026-11-02", "bing"), {"leads": 35}),
        (Cell("source", "2026-11-02", "google"), {"leads": 35}),
    ]
    assert projection.cells("all", "2026-11-02", "2026-11-02").cells == [
        (Cell("all", "2026-11-02", "all"), {"leads": 70})
    ]
    assert sorted(projection.lead_ids()) == sorted(change.lead_id for change in changes)
    members = projection.members(
        CellRange("source", "bing", "2026-11-01", "2026-11-30"), "leads", limit=100, cursor=None
    )
    assert len(members.items) == 35


def test_a_batch_holding_a_stale_change_writes_nothing_of_its_group_and_names_its_leads(
    projection: ReportProjection,
) -> None:
    stored = store(projection, "lead_1", cells_of("2026-11-02", "google", leads=1))
    newer = StoredContribution(revision=2, lead_version=2, cells=cells_of("2026-11-02", "google", leads=1, mql=1))
    assert replace(projection, "lead_1", stored, newer, {cell: {"mql": 1} for cell in newer.cells})
    stale = ContributionChange("lead_1", stored, newer, {cell: {"mql": 1} for cell in newer.cells})  # read before

    lost = projection.replace_many([first_write("lead_2", cells_of("2026-11-02", "google", leads=1)), stale])

    assert "lead_1" in lost
    all_cell = projection.cells("all", "2026-11-02", "2026-11-02").cells
    assert all_cell[0][1]["mql"] == 1  # the stale delta was not added again
    if "lead_2" in lost:  # refused with its group: nothing of it written
        assert projection.contribution("lead_2") is None and all_cell[0][1]["leads"] == 1
    else:
        assert all_cell[0][1]["leads"] == 2


def test_moves_that_cancel_out_in_a_batch_leave_the_shared_cell_as_it_was(projection: ReportProjection) -> None:
    a = store(projection, "lead_a", cells_of("2026-11-02", "google", leads=1))
    b = store(projection, "lead_b", cells_of("2026-11-02", "bing", leads=1))
    to_bing = StoredContribution(revision=2, lead_version=2, cells=cells_of("2026-11-02", "bing", leads=1))
    to_google = StoredContribution(revision=2, lead_version=2, cells=cells_of("2026-11-02", "google", leads=1))
    swap_a = {Cell("source", "2026-11-02", "google"): {"leads": -1}, Cell("source", "2026-11-02", "bing"): {"leads": 1}}
    swap_b = {Cell("source", "2026-11-02", "bing"): {"leads": -1}, Cell("source", "2026-11-02", "google"): {"leads": 1}}

    lost = projection.replace_many(
        [ContributionChange("lead_a", a, to_bing, swap_a), ContributionChange("lead_b", b, to_google, swap_b)]
    )

    assert lost == []
    assert projection.contribution("lead_a") == to_bing and projection.contribution("lead_b") == to_google
    assert dict(projection.cells("source", "2026-11-02", "2026-11-02").cells) == {
        Cell("source", "2026-11-02", "bing"): {"leads": 1},
        Cell("source", "2026-11-02", "google"): {"leads": 1},
    }
    bing = projection.members(CellRange("source", "bing", "2026-11-01", "2026-11-30"), "leads", limit=5, cursor=None)
    assert [member.lead_id for member in bing.items] == ["lead_a"]
