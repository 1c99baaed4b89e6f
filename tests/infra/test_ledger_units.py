"""How the request ledger meters one request: DynamoDB units from item sizes (writes per KB, reads per 4 KB, half for an
eventually consistent read, indexes), 64 KB chunks, Lambda and Express billing increments, and the round trips on a
lead's path from the calls it made."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.ledger_dynamodb import DynamoDbMeter
from infra.local.ledger_paths import CallTree, lead_path
from infra.local.ledger_units import (
    Index,
    TableShape,
    chunks,
    express_gb_seconds,
    index_write_units,
    item_size,
    lambda_billed_ms,
    lambda_gb_seconds,
    read_units,
    write_units,
)

LEADS = TableShape(
    "pk", "sk", (Index("by_stage", "gsi1pk", "gsi1sk", "ALL"), Index("by_due", "gsi3pk", "gsi3sk", "KEYS_ONLY"))
)


def item_of(size: int, **extra: Any) -> dict[str, Any]:
    """An item of exactly `size` bytes as DynamoDB counts them."""
    base = {"pk": {"S": "LEAD#1"}, "sk": {"S": "PROFILE"}, **extra}
    padding = size - item_size(base) - len("body")
    return {**base, "body": {"S": "x" * padding}}


def test_an_item_size_counts_names_and_values_as_dynamodb_does() -> None:
    assert item_size({"pk": {"S": "abc"}}) == 5
    assert item_size({"n": {"N": "12345"}}) == 1 + 4  # three bytes of digits, plus one
    assert item_size({"ok": {"BOOL": True}, "m": {"M": {"a": {"S": "xy"}}}}) == 3 + 1 + 3 + 1 + 1 + 2
    assert item_size(item_of(1536)) == 1536


@pytest.mark.parametrize(("size", "units"), [(0, 1), (1024, 1), (1025, 2), (1536, 2), (4096, 4)])
def test_a_write_costs_one_unit_per_kb_rounded_up(size: int, units: int) -> None:
    assert write_units(size) == units


def test_a_read_costs_one_unit_per_4_kb_and_half_when_eventually_consistent() -> None:
    assert read_units(4096, consistent=True) == 1
    assert read_units(4097, consistent=True) == 2
    assert read_units(4097, consistent=False) == 1
    assert read_units(0, consistent=False) == 0.5  # an item not found still costs the minimum


class Store:
    def __init__(self, items: dict[str, dict[str, Any]]) -> None:
        self.items = items

    def shape(self, table: str) -> TableShape:
        return LEADS

    def stored(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        return self.items.get(key.get("pk", {}).get("S", ""))


def test_a_put_of_a_1_5_kb_item_costs_two_write_units_and_a_failed_condition_still_pays() -> None:
    meter = DynamoDbMeter(Store({}).shape, Store({}).stored)
    request = {"TableName": "leads", "Item": item_of(1536)}
    assert meter.units("PutItem", request, {}, False, meter.before("PutItem", request)).write == 2
    existing = Store({"LEAD#1": item_of(3000)})
    meter = DynamoDbMeter(existing.shape, existing.stored)
    assert meter.units("PutItem", request, {}, True, meter.before("PutItem", request)).write == 3  # the larger item


def test_a_transaction_costs_twice_and_an_index_entry_adds_its_own_writes() -> None:
    meter = DynamoDbMeter(Store({}).shape, Store({}).stored)
    item = item_of(900, gsi1pk={"S": "STAGE#mql"}, gsi1sk={"S": "2026"})
    request = {"TransactItems": [{"Put": {"TableName": "leads", "Item": item}}]}
    units = meter.units("TransactWriteItems", request, {}, False, meter.before("TransactWriteItems", request))
    assert units.write == 2 * 1 + 1  # the table's write doubled, the by_stage entry (900 bytes + 100) once


def test_an_index_entry_is_rewritten_when_its_key_moves_and_not_when_nothing_it_projects_changed() -> None:
    due = {"gsi3pk": {"S": "DUE"}, "gsi3sk": {"S": "2026-01-01"}}
    old = item_of(500, **due)
    assert index_write_units(LEADS, old, item_of(600, **due)) == 0  # keys only, same key: no index write
    moved = item_of(500, gsi3pk={"S": "DUE"}, gsi3sk={"S": "2026-02-01"})
    assert index_write_units(LEADS, old, moved) == 2  # the old entry deleted, the new one put
    assert index_write_units(LEADS, old, None) == 1  # the item deleted: its entry goes


def test_a_query_is_charged_on_what_it_read_even_what_its_filter_dropped() -> None:
    store = Store({})
    meter = DynamoDbMeter(store.shape, store.stored)
    items = [{"pk": {"S": "X"}, "body": {"S": "x" * 3000}}] * 2  # partial keys: their own sizes count
    response = {"Items": items, "ScannedCount": 4}
    units = meter.units("Query", {"TableName": "leads"}, response, False, [])
    assert units.read == 0.5 * 3  # about 12 KB read in all, eventually consistent


def test_chunks_and_billing_increments() -> None:
    assert chunks(10) == 1
    assert chunks(64 * 1024 + 1) == 2
    assert lambda_billed_ms(0.0101) == 11
    assert lambda_gb_seconds(1000, 512) == 0.5
    assert express_gb_seconds(0.05) == pytest.approx(0.1 * 64 / 1024)  # 100 ms at 64 MB
    assert express_gb_seconds(0.25) == pytest.approx(0.3 * 64 / 1024)


def call(id_: int, parent: int | None, name: str, span: tuple[float, float], *, thread: int = 1) -> dict[str, Any]:
    service, operation = name.split(" ", 1)
    return {
        "id": id_,
        "parent": parent,
        "service": service,
        "operation": operation,
        "started": span[0],
        "ended": span[1],
        "thread": thread,
    }


def test_round_trips_follow_the_path_and_count_parallel_calls_once() -> None:
    calls = [
        call(1, None, "apigateway POST /v1/leads", (0, 10)),
        call(2, 1, "lambda IntakeFunction", (0, 10)),
        call(3, 2, "dynamodb PutItem", (1, 2)),
        call(4, 2, "events PutEvents", (3, 4)),
        call(5, 4, "states LeadPipeline", (3.5, 60), thread=2),
        call(6, 5, "lambda ScoreFunction", (4, 20), thread=3),
        call(7, 6, "dynamodb GetItem", (5, 6), thread=3),
        call(8, 6, "dynamodb GetItem", (5.5, 6.5), thread=3),  # in parallel with the one before: one round trip
        call(9, 6, "events PutEvents", (7, 8), thread=3),
        call(10, 9, "lambda ReportsFunction", (7.5, 30), thread=4),  # started by the PutEvents: not on the path
        call(11, 5, "lambda RouteFunction", (21, 30), thread=5),
        call(12, 11, "dynamodb UpdateItem", (22, 23), thread=5),
    ]
    path = lead_path(calls)
    # API, intake, PutItem, PutEvents, execution, Score (1 + 2 reads at once + PutEvents = 3), Route (1 + 1)
    assert path["assigned"] == 1 + 1 + 1 + 1 + 1 + 3 + 2
    assert path["notified"] is None  # no Notify step ran
    assert CallTree(calls).round_trips(calls[5]) == 3


def test_the_private_methods_the_ledger_hooks_keep_their_signatures() -> None:
    """The ledger wraps botocore's BaseClient._make_request and moto's ExecutionWorker._execution_logic (and
    threading.Thread.start); a change of their parameters must fail here, not miscount quietly."""
    import inspect

    from infra.local.ledger_hooks import _ORIGINAL_LOGIC, _ORIGINAL_MAKE_REQUEST, _ORIGINAL_THREAD_START

    assert list(inspect.signature(_ORIGINAL_MAKE_REQUEST).parameters) == [
        "self",
        "operation_model",
        "request_dict",
        "request_context",
    ]
    assert list(inspect.signature(_ORIGINAL_LOGIC).parameters) == ["self"]
    assert list(inspect.signature(_ORIGINAL_THREAD_START).parameters) == ["self"]


def test_requests_a_function_sends_side_by_side_on_threads_it_started_cost_the_busiest_thread() -> None:
    calls = [
        call(1, None, "lambda DedupeFunction", (0, 20)),
        call(2, 1, "dynamodb PutItem", (1, 2)),
        # three queries, each on a thread of its own: in-process they need not overlap in time to be side by side
        call(3, 1, "dynamodb Query", (3, 4), thread=7),
        call(4, 1, "dynamodb Query", (4.1, 5), thread=8),
        call(5, 1, "dynamodb Query", (5.1, 6), thread=9),
        call(6, 1, "dynamodb PutItem", (7, 8)),
        call(7, 1, "dynamodb GetItem", (9, 10), thread=11),  # two reads on one thread: one after the other
        call(8, 1, "dynamodb GetItem", (10.1, 11), thread=11),
        call(9, 1, "dynamodb GetItem", (9.5, 10.5), thread=12),
        call(10, 1, "lambda NurtureFunction", (12, 19), thread=13),  # a target it started: not waited for
    ]

    assert CallTree(calls).round_trips(calls[0]) == 1 + 1 + 1 + 1 + 2
