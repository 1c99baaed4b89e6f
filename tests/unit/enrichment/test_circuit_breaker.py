"""The circuit breaker in front of the HTTP provider: when it opens, half-opens, lets a trial through and closes."""

from __future__ import annotations

import contextlib
import threading

import pytest
from leadflow.adapters.circuit_breaker import CircuitBreaker
from leadflow.adapters.enrichment import CircuitOpen
from leadflow.clock import FixedClock
from leadflow.ports import EnrichmentUnavailable

from tests.unit.enrichment.conftest import (
    ACME,
    ProviderServer,
    http_provider,
)


def test_breaker_opens_after_consecutive_failures_and_stops_calling_the_provider(
    server: ProviderServer, clock: FixedClock
) -> None:
    server.answer("acme.example", 500)
    provider = http_provider(server, clock, threshold=3)
    for _ in range(3):
        with pytest.raises(EnrichmentUnavailable):
            provider.lookup("acme.example")

    with pytest.raises(CircuitOpen):
        provider.lookup("acme.example")

    assert provider.breaker.state == "open"
    assert server.hits == 3


def test_breaker_half_opens_after_the_reset_time_and_closes_on_success(
    server: ProviderServer, clock: FixedClock
) -> None:
    server.answer("acme.example", 500)
    provider = http_provider(server, clock, threshold=3)
    for _ in range(3):
        with pytest.raises(EnrichmentUnavailable):
            provider.lookup("acme.example")
    clock.advance(seconds=59)
    before_reset = provider.breaker.state
    clock.advance(seconds=1)
    at_reset = provider.breaker.state
    server.answer("acme.example", 200, ACME)

    found = provider.lookup("acme.example")

    assert (before_reset, at_reset) == ("open", "half_open")
    assert found is not None and found.company_name == "Acme"
    assert provider.breaker.state == "closed"
    assert server.hits == 4


def test_a_failed_trial_opens_the_breaker_for_another_period(server: ProviderServer, clock: FixedClock) -> None:
    server.answer("acme.example", 500)
    provider = http_provider(server, clock, threshold=3)
    for _ in range(3):
        with pytest.raises(EnrichmentUnavailable):
            provider.lookup("acme.example")
    clock.advance(seconds=60)

    with pytest.raises(EnrichmentUnavailable, match="HTTP 500"):
        provider.lookup("acme.example")

    assert provider.breaker.state == "open"
    with pytest.raises(CircuitOpen):
        provider.lookup("acme.example")
    assert server.hits == 4


def test_an_answer_resets_the_consecutive_failure_count(server: ProviderServer, clock: FixedClock) -> None:
    server.answer("down.example", 500)
    provider = http_provider(server, clock, threshold=3)
    for domain in ["down.example", "down.example", "unknown.example", "down.example", "down.example"]:
        with contextlib.suppress(EnrichmentUnavailable):
            provider.lookup(domain)  # unknown.example answers 404: an answer, not a failure

    assert provider.breaker.state == "closed"


def test_a_half_open_breaker_lets_exactly_one_trial_through(clock: FixedClock) -> None:
    breaker = CircuitBreaker(failure_threshold=1, reset_after_seconds=60, clock=clock)
    assert breaker.acquire()
    breaker.record_failure()
    clock.advance(seconds=60)
    barrier = threading.Barrier(8)
    granted: list[bool] = []

    def try_acquire() -> None:
        barrier.wait(timeout=2)
        granted.append(breaker.acquire())

    threads = [threading.Thread(target=try_acquire) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2)

    assert sorted(granted) == [False] * 7 + [True]
    breaker.record_success()
    assert breaker.state == "closed" and breaker.acquire()
