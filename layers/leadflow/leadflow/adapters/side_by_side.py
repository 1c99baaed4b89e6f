"""Independent AWS requests sent side by side: a step waits for one round trip instead of one per request."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
MAX_SIDE_BY_SIDE = 8  # a step's independent reads are a handful (at most 6 blocking keys); more go in waves


def side_by_side(requests: Sequence[Callable[[], T]]) -> list[T]:
    """Each request's answer, in the requests' order, each made on a thread of its own; the first error raised, once
    all have finished.

    One thread per request, started for this call and ended with it: a pool would run a request on a thread whose
    last one had just finished, one after the other (a Lambda may also be frozen between invocations, with a pool's
    threads). Use a boto3 client, not a resource: clients are thread-safe, resources are not."""
    if len(requests) > MAX_SIDE_BY_SIDE:  # in waves
        return side_by_side(requests[:MAX_SIDE_BY_SIDE]) + side_by_side(requests[MAX_SIDE_BY_SIDE:])
    if len(requests) <= 1:
        return [request() for request in requests]
    answers: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            answers[index] = requests[index]()
        except BaseException as exc:  # noqa: BLE001 - raised again on the calling thread below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [answers[index] for index in range(len(requests))]  # every one answered, or an error was raised
