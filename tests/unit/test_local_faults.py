"""Failure injection in the local runtime: a configuration names functions, rates and kinds (refused with a message
naming the entry otherwise), and a seed makes the same sequence of invocations meet the same faults."""

from __future__ import annotations

import pytest

from infra.local.faults import Faults, FaultSpec, parse_faults

FUNCTIONS = ("DedupeFunction", "NotifyFunction", "RouteFunction")


def rolls(faults: Faults, count: int, function: str = "NotifyFunction") -> list[str | None]:
    return [faults.roll(function) for _ in range(count)]


def test_a_configuration_names_a_rate_and_one_or_more_kinds_per_function() -> None:
    specs, seed = parse_faults(
        {
            "seed": 3,
            "NotifyFunction": {"rate": 0.1, "kind": "raise"},
            "RouteFunction": {"kind": ["timeout", "throttle"]},
        },
        FUNCTIONS,
    )

    assert seed == 3
    assert specs == {
        "NotifyFunction": FaultSpec(rate=0.1, kinds=("raise",)),
        "RouteFunction": FaultSpec(rate=1.0, kinds=("timeout", "throttle")),
    }


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"NoSuchFunction": {"rate": 0.1}}, "NoSuchFunction"),
        ({"NotifyFunction": {"rate": 1.5}}, "NotifyFunction.rate"),
        ({"NotifyFunction": {"rate": True}}, "NotifyFunction.rate"),
        ({"NotifyFunction": {"kind": "explode"}}, "NotifyFunction.kind"),
        ({"NotifyFunction": {"kind": []}}, "NotifyFunction.kind"),
        ({"NotifyFunction": {"rate": 0.1, "when": "always"}}, "NotifyFunction"),
        ({"seed": "seven"}, "seed"),
        (["NotifyFunction"], "JSON object"),
    ],
)
def test_a_bad_configuration_is_refused_naming_the_entry(document: object, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        parse_faults(document, FUNCTIONS)


def test_the_same_seed_gives_the_same_faults_and_the_rate_holds() -> None:
    first, second = Faults(), Faults()
    for faults in (first, second):
        faults.configure({"NotifyFunction": FaultSpec(rate=0.1, kinds=("raise", "timeout", "throttle"))}, seed=11)

    sequence = rolls(first, 2000)

    assert sequence == rolls(second, 2000)
    assert 150 < sum(kind is not None for kind in sequence) < 250
    assert {kind for kind in sequence if kind} == {"raise", "timeout", "throttle"}
    assert sum(first.describe()["injected"]["NotifyFunction"].values()) == sum(kind is not None for kind in sequence)


def test_a_function_without_a_fault_is_never_failed_and_an_empty_configuration_clears_all() -> None:
    faults = Faults()
    faults.configure({"NotifyFunction": FaultSpec(rate=1.0)})

    assert rolls(faults, 5, "RouteFunction") == [None] * 5
    assert rolls(faults, 2) == ["raise", "raise"]
    faults.configure({})
    assert rolls(faults, 5) == [None] * 5
