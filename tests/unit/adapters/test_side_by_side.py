"""Independent requests sent side by side: every answer in the requests' order, an error raised to the caller."""

from __future__ import annotations

import threading

import pytest
from leadflow.adapters.side_by_side import MAX_SIDE_BY_SIDE, side_by_side


def test_answers_come_in_the_requests_order_each_made_on_a_thread_of_its_own() -> None:
    all_in_flight = threading.Barrier(4, timeout=10)  # one request after another would never get past it

    def request(n: int) -> tuple[int, int]:
        all_in_flight.wait()
        return n, threading.get_ident()

    answers = side_by_side([lambda n=n: request(n) for n in range(4)])

    assert [n for n, _ in answers] == [0, 1, 2, 3]
    assert len({thread for _, thread in answers}) == 4


def test_an_error_of_one_request_is_raised_once_all_have_finished() -> None:
    finished: list[int] = []

    def request(n: int) -> int:
        if n == 1:
            raise RuntimeError("throttled")
        finished.append(n)
        return n

    with pytest.raises(RuntimeError, match="throttled"):
        side_by_side([lambda n=n: request(n) for n in range(3)])
    assert sorted(finished) == [0, 2]


def test_more_requests_than_the_bound_go_in_waves_and_all_are_answered() -> None:
    count = MAX_SIDE_BY_SIDE * 2 + 1

    assert side_by_side([lambda n=n: n * n for n in range(count)]) == [n * n for n in range(count)]
    assert side_by_side([]) == []
