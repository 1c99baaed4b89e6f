"""Failure injection for the local runtime: make any function of the template fail at a given rate, the way AWS
can — the handler raises, the invocation times out after the handler did its work, or Lambda throttles the call
before it runs. Tests and `LEADFLOW_FAULTS` use it to show that retries, redrive and the sweeper lose nothing.

A configuration maps function logical ids to a rate and one or more kinds, plus an optional seed:
`{"seed": 7, "NotifyFunction": {"rate": 0.1, "kind": "raise"}, "RouteFunction": {"rate": 1, "kind": ["timeout"]}}`.
Decisions come from one seeded random stream, so the same sequence of invocations meets the same faults.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

FaultKind = Literal["raise", "timeout", "throttle"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
DEFAULT_SEED = 0


class InjectedFailure(Exception):
    """What a handler raises under a `raise` fault: a function error, which no Retry of the pipeline retries."""

    error_type = "InjectedFailure"


class InjectedTimeout(Exception):
    """A function that ran out of time: Lambda reports the error type `Sandbox.Timedout`. The handler did run, so
    its writes happened; only its answer is lost, as when a real function times out after its last write."""

    error_type = "Sandbox.Timedout"


class InjectedThrottle(Exception):
    """Lambda refused to run the function (concurrency exhausted): the caller gets TooManyRequestsException, which
    Step Functions names `Lambda.TooManyRequestsException`. The handler never ran."""

    service_error = "TooManyRequestsException"
    status = 429


@dataclass(frozen=True)
class FaultSpec:
    rate: float
    kinds: tuple[FaultKind, ...] = ("raise",)

    def describe(self) -> dict[str, Any]:
        return {"rate": self.rate, "kind": list(self.kinds)}


def parse_faults(document: Any, known: Iterable[str]) -> tuple[dict[str, FaultSpec], int | None]:
    """A configuration as sent to `POST /_local/faults` or set in LEADFLOW_FAULTS: (specs by logical id, seed).
    ValueError naming the entry for anything else."""
    if not isinstance(document, Mapping):
        raise ValueError('send a JSON object such as {"NotifyFunction": {"rate": 0.1, "kind": "raise"}}')
    functions = set(known)
    seed: int | None = None
    specs: dict[str, FaultSpec] = {}
    for name, value in document.items():
        if name == "seed":
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"seed: must be an integer, got {value!r}")
            seed = value
            continue
        if name not in functions:
            raise ValueError(f"{name}: no such function in the template (one of {', '.join(sorted(functions))})")
        if value is None:
            continue  # no fault for this function
        specs[name] = _spec(name, value)
    return specs, seed


def _spec(name: str, value: Any) -> FaultSpec:
    if not isinstance(value, Mapping) or set(value) - {"rate", "kind"}:
        raise ValueError(f'{name}: expected {{"rate": 0..1, "kind": "raise" | "timeout" | "throttle" or a list}}')
    rate = value.get("rate", 1.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise ValueError(f"{name}.rate: must be a number from 0 to 1, got {rate!r}")
    kinds = value.get("kind", "raise")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if not isinstance(kinds, list) or not kinds or any(kind not in FAULT_KINDS for kind in kinds):
        raise ValueError(f"{name}.kind: must be one of {', '.join(FAULT_KINDS)} or a non-empty list of them")
    return FaultSpec(rate=float(rate), kinds=tuple(kinds))


class Faults:
    """The faults in force, thread-safe; `injected` counts what was injected, by (logical id, kind)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._specs: dict[str, FaultSpec] = {}
        self._seed = DEFAULT_SEED
        self._random = random.Random(DEFAULT_SEED)  # noqa: S311 - reproducible chaos, not security
        self.injected: Counter[tuple[str, str]] = Counter()

    def configure(self, specs: Mapping[str, FaultSpec], seed: int | None = None) -> None:
        """Replace the configuration (an empty one clears every fault); a seed restarts the random stream."""
        with self._lock:
            self._specs = dict(specs)
            if seed is not None:
                self._seed = seed
                self._random = random.Random(seed)  # noqa: S311

    def configure_json(self, text: str, known: Iterable[str]) -> None:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc}") from exc
        self.configure(*parse_faults(document, known))

    def roll(self, logical_id: str) -> FaultKind | None:
        """The fault this invocation of the function meets, if any."""
        with self._lock:
            spec = self._specs.get(logical_id)
            if spec is None or self._random.random() >= spec.rate:
                return None
            kind = spec.kinds[0] if len(spec.kinds) == 1 else self._random.choice(spec.kinds)
            self.injected[(logical_id, kind)] += 1
            return kind

    def describe(self) -> dict[str, Any]:
        with self._lock:
            injected: dict[str, dict[str, int]] = {}
            for (function, kind), count in sorted(self.injected.items()):
                injected.setdefault(function, {})[kind] = count
            return {
                "seed": self._seed,
                "faults": {name: spec.describe() for name, spec in sorted(self._specs.items())},
                "injected": injected,
            }
