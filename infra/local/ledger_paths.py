"""Sequential AWS round trips on a lead's path, from the ledger's calls (infra/local/ledger.py), each with its parent.

A round trip is one request the path waits for: the API Gateway request, each Lambda invocation, each AWS call made
inside one, the EventBridge hop (PutEvents, the rule starting the execution), each task state's call. A call's own
round trips are 1 plus those of the calls nested in it, where calls that overlap in time (in parallel) count once,
as the longest of them; a function's requests sent side by side on threads it started count as the thread that made
the most (in-process, the interpreter's lock lets them overlap in time only by chance, where on AWS each waits on
its own connection); a function or execution started on another thread (a rule's target reached by a PutEvents) is
not nested in it but begins a path of its own.

The round trips to reach a call are its own, plus for each of its ancestors the ancestor itself and the nested calls
that finished before the path went on: the API request, then the intake's writes, its PutEvents, the execution,
every step before the one reached, and that step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

CallRecord = Mapping[str, Any]  # as Ledger.snapshot(with_calls=True) gives them: id, parent, service, operation, ...
STARTED_ELSEWHERE = ("lambda", "states", "apigateway")  # scopes of their own, never a request a caller waits for


class CallTree:
    def __init__(self, calls: Iterable[CallRecord]) -> None:
        self.calls = {call["id"]: call for call in calls}
        self.children: dict[int, list[CallRecord]] = defaultdict(list)
        for call in self.calls.values():
            if call["parent"] in self.calls:
                self.children[call["parent"]].append(call)

    def find(self, match: Callable[[CallRecord], bool]) -> list[CallRecord]:
        return [call for call in self.calls.values() if match(call)]

    def ancestors(self, call: CallRecord) -> list[CallRecord]:
        found = []
        while call["parent"] in self.calls:
            call = self.calls[call["parent"]]
            found.append(call)
        return found

    def _nested(self, call: CallRecord) -> list[CallRecord]:
        """The calls `call` waited for: on its own thread; the task states of an execution (the interpreter runs
        each on a thread of its own, but the execution waits for it); and the AWS requests a function made on threads
        it started (reads sent together), which it waited for. A function or execution on another thread was started
        by `call` (a rule's target) and is not waited for."""
        return [
            child
            for child in self.children[call["id"]]
            if child["ended"] > 0
            and (
                child["thread"] == call["thread"]
                or call["service"] == "states"
                or (call["service"] == "lambda" and child["service"] not in STARTED_ELSEWHERE)
            )
        ]

    def round_trips(self, call: CallRecord) -> int:
        """The call itself and, in sequence, what is nested in it."""
        return 1 + self._in_sequence(call, self._nested(call))

    def _in_sequence(self, call: CallRecord, nested: list[CallRecord]) -> int:
        """Round trips of calls nested in `call`, one after the other. The requests a function sent on threads it
        started, between two requests of its own (its thread waiting), went side by side: they cost as much as the
        thread that made the most round trips, each thread's in sequence."""
        if call["service"] != "lambda":
            return sequential(nested, self.round_trips)
        total = 0
        own: list[CallRecord] = []
        side_by_side: dict[int, list[CallRecord]] = defaultdict(list)
        for child in sorted(nested, key=lambda c: c["started"]):
            if child["thread"] == call["thread"]:
                total += self._threads_cost(side_by_side)
                side_by_side.clear()
                own.append(child)
            else:
                total += sequential(own, self.round_trips)
                own.clear()
                side_by_side[child["thread"]].append(child)
        return total + sequential(own, self.round_trips) + self._threads_cost(side_by_side)

    def _threads_cost(self, by_thread: dict[int, list[CallRecord]]) -> int:
        return max((sequential(calls, self.round_trips) for calls in by_thread.values()), default=0)

    def round_trips_to(self, target: CallRecord) -> int:
        """From the path's first request to the end of `target`."""
        total = self.round_trips(target)
        node = target
        for parent in self.ancestors(target):
            before = [c for c in self._nested(parent) if c["id"] != node["id"] and 0 < c["ended"] <= node["started"]]
            total += 1 + self._in_sequence(parent, before)
            node = parent
        return total

    def path_names(self, target: CallRecord) -> list[str]:
        """The path's requests in order, for a report: each ancestor and what finished in it before the path went on."""
        names: list[str] = []
        node = target
        for parent in self.ancestors(target):
            before = [c for c in self._nested(parent) if c["id"] != node["id"] and 0 < c["ended"] <= node["started"]]
            names[:0] = [_name(parent)] + [_name(c) for c in sorted(before, key=lambda c: c["started"])]
            node = parent
        return [*names, _name(target)]


def sequential(calls: list[CallRecord], cost: Callable[[CallRecord], int]) -> int:
    """Round trips of calls in sequence, where calls overlapping in time count once (the costliest of them)."""
    total, group_end, group_cost = 0, float("-inf"), 0
    for call in sorted(calls, key=lambda c: c["started"]):
        if call["started"] < group_end:
            group_cost = max(group_cost, cost(call))
            group_end = max(group_end, call["ended"])
        else:
            total += group_cost
            group_end, group_cost = call["ended"], cost(call)
    return total + group_cost


def _name(call: CallRecord) -> str:
    return f"{call['service']} {call['operation']}"


def lead_path(calls: Iterable[CallRecord], machine: str = "LeadPipeline") -> dict[str, Any]:
    """Round trips of one lead captured alone: capture -> assigned (the pipeline's Route step), capture -> notified
    (its Notify step) and capture -> delivered (the Deliver function the notification reached); None where the lead
    did not get there (a lead that is not an MQL is not routed)."""
    tree = CallTree(calls)

    def step(function: str) -> CallRecord | None:
        found = tree.find(
            lambda c: (
                c["service"] == "lambda"
                and c["operation"] == function
                and any(a["service"] == "states" and a["operation"] == machine for a in tree.ancestors(c))
            )
        )
        return found[0] if found else None

    result: dict[str, Any] = {}
    for name, function in (
        ("assigned", "RouteFunction"),
        ("notified", "NotifyFunction"),
        ("delivered", "DeliverFunction"),
    ):
        target = step(function)
        result[name] = tree.round_trips_to(target) if target is not None else None
        if name == "notified" and target is not None:
            result["notified_path"] = tree.path_names(target)
    return result
