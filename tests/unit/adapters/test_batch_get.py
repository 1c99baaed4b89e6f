"""Reading items by key with BatchGetItem (leadflow.adapters.batch_get): at most 100 keys a request, the
keys DynamoDB leaves unprocessed asked again after a growing pause, and the answer in the order of the keys."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from leadflow.adapters import batch_get
from leadflow.adapters.batch_get import get_items


class ThrottlingTable:
    """A Table whose BatchGetItem answers each request backwards and leaves the last `unprocessed` keys of its first
    request unread (every key of every request if `give_up`), as DynamoDB may when throttled; the items stored are
    {pk, sk, n} for the ids in `stored`."""

    name = "leads"

    def __init__(self, stored: range, unprocessed: int = 0, give_up: bool = False) -> None:
        self.stored = {f"LEAD#{n}": n for n in stored}
        self.unprocessed = unprocessed
        self.give_up = give_up
        self.requests: list[list[str]] = []
        self.meta = SimpleNamespace(client=self)

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803 (boto3's name)
        keys = RequestItems[self.name]["Keys"]
        assert len(keys) <= 100
        assert len({key["pk"] for key in keys}) == len(keys), "BatchGetItem refuses a key asked twice"
        self.requests.append([key["pk"] for key in keys])
        held = len(keys) if self.give_up else self.unprocessed if len(self.requests) == 1 else 0
        answered, left = keys[: len(keys) - held], keys[len(keys) - held :]
        items = [{**key, "n": self.stored[key["pk"]]} for key in answered if key["pk"] in self.stored]
        response: dict[str, Any] = {"Responses": {self.name: list(reversed(items))}}
        if left:
            response["UnprocessedKeys"] = {self.name: {"Keys": left}}
        return response


def keys(ids: list[int]) -> list[dict[str, str]]:
    return [{"pk": f"LEAD#{n}", "sk": "PROFILE"} for n in ids]


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(batch_get.time, "sleep", slept.append)
    return slept


def test_items_come_in_the_order_asked_each_once_the_missing_left_out_100_keys_a_request(pauses: list[float]) -> None:
    table = ThrottlingTable(range(250))
    asked = [*range(249, -1, -1), 404, 7]

    found = get_items(table, keys(asked), consistent=False)

    assert [item["n"] for item in found] == list(range(249, -1, -1))
    assert [len(request) for request in table.requests] == [100, 100, 51]
    assert pauses == []


def test_keys_left_unprocessed_are_asked_again_after_a_pause(pauses: list[float]) -> None:
    table = ThrottlingTable(range(10), unprocessed=4)

    found = get_items(table, keys(list(range(10))), consistent=True)

    assert [item["n"] for item in found] == list(range(10))
    assert table.requests[1] == [f"LEAD#{n}" for n in range(6, 10)]  # only what the first request left
    assert len(table.requests) == 2
    assert pauses == [batch_get.FIRST_PAUSE_SECONDS]


def test_keys_never_read_raise_after_the_last_attempt_the_pauses_doubling(pauses: list[float]) -> None:
    table = ThrottlingTable(range(3), give_up=True)

    with pytest.raises(RuntimeError, match="3 items unread"):
        get_items(table, keys([0, 1, 2]), consistent=True)
    assert len(table.requests) == batch_get.MAX_ATTEMPTS
    assert pauses == [batch_get.FIRST_PAUSE_SECONDS * 2**n for n in range(batch_get.MAX_ATTEMPTS - 1)]


def test_no_keys_no_request() -> None:
    table = ThrottlingTable(range(3))

    assert get_items(table, [], consistent=True) == []
    assert table.requests == []
