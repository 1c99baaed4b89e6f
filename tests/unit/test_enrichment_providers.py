"""Enrichment providers: the bundled directory, an external HTTP provider behind a circuit breaker, and the chain.

The HTTP provider is tested against a real HTTP server on 127.0.0.1 (never the network), which counts its calls."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from leadflow.adapters.enrichment import (
    ChainedProvider,
    CircuitBreaker,
    CircuitOpen,
    DirectoryProvider,
    HttpEnrichmentProvider,
)
from leadflow.clock import FixedClock
from leadflow.domain.enrichment import DomainDirectory, enrich_with
from leadflow.models.lead import Firmographics
from leadflow.ports import EnrichmentProvider, EnrichmentUnavailable
from leadflow.settings import Settings

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TIMEOUT = 0.2  # the provider's timeout in these tests; a "slow" answer takes far longer
ACME = {
    "domain": "acme.example",
    "company_name": "Acme",
    "industry": "Manufacturing",
    "employees": 120,
    "country": "de",
}


@dataclass
class Answer:
    status: int
    body: bytes = b""
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class ProviderServer(ThreadingHTTPServer):
    """A stand-in for the external API: answers per path, records every request it receives."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ProviderHandler)
        self.answers: dict[str, Answer] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()  # set at teardown so that no slow answer outlives its test
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/companies"

    @property
    def hits(self) -> int:
        with self._lock:
            return len(self.requests)

    def answer(
        self,
        domain: str,
        status: int,
        body: object = None,
        *,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        encoded = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
        self.answers[f"/v1/companies/{domain}"] = Answer(status, encoded, delay, headers or {})

    def record(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append((path, headers))


class ProviderHandler(BaseHTTPRequestHandler):
    server: ProviderServer

    def do_GET(self) -> None:
        self.server.record(self.path, dict(self.headers.items()))
        answer = self.server.answers.get(self.path, Answer(404))
        if answer.delay:
            self.server.release.wait(answer.delay)
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:
            pass  # the client gave up (timeout): nothing to answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        pass


@pytest.fixture
def server() -> Iterator[ProviderServer]:
    server = ProviderServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def http_provider(
    server: ProviderServer, clock: FixedClock, *, api_key: str | None = "k-123", threshold: int = 3
) -> HttpEnrichmentProvider:
    breaker = CircuitBreaker(failure_threshold=threshold, reset_after_seconds=60, clock=clock)
    return HttpEnrichmentProvider(server.url, api_key=api_key, timeout_seconds=TIMEOUT, breaker=breaker)


class StubProvider:
    """A provider that answers as told and counts its lookups."""

    def __init__(self, name: str, answer: Firmographics | None = None, *, unavailable: bool = False) -> None:
        self.name = name
        self.answer = answer
        self.unavailable = unavailable
        self.lookups: list[str] = []

    def lookup(self, domain: str) -> Firmographics | None:
        self.lookups.append(domain)
        if self.unavailable:
            raise EnrichmentUnavailable(f"{self.name} is down")
        return self.answer


def directory() -> DirectoryProvider:
    return DirectoryProvider(DomainDirectory.bundled())


# The bundled directory


def test_directory_provider_answers_a_bundled_company() -> None:
    found = directory().lookup("sap.com")

    assert found is not None and found.known and not found.free_mail
    assert (found.company_name, found.industry, found.country, found.size_band) == ("SAP", "software", "DE", "5000+")


def test_directory_provider_marks_a_free_mail_domain_as_free_mail_and_unknown() -> None:
    found = directory().lookup("gmail.com")

    assert found == Firmographics(domain="gmail.com", free_mail=True, known=False)


def test_directory_provider_does_not_know_an_unlisted_domain() -> None:
    assert directory().lookup("northwind.example") is None


def test_providers_satisfy_the_port(server: ProviderServer, clock: FixedClock) -> None:
    providers: list[EnrichmentProvider] = [directory(), http_provider(server, clock)]
    providers.append(ChainedProvider(providers[1], providers[0]))

    assert [provider.name for provider in providers] == ["directory", "http", "http>directory"]


# The HTTP provider


def test_http_provider_maps_a_known_domain_onto_firmographics(server: ProviderServer, clock: FixedClock) -> None:
    server.answer("acme.example", 200, {**ACME, "revenue": "ignored"})

    found = http_provider(server, clock).lookup("ACME.example.")

    assert found == Firmographics(
        domain="acme.example",
        company_name="Acme",
        industry="manufacturing",
        employees=120,
        size_band="51-200",
        country="DE",
        free_mail=False,
        known=True,
    )
    [(path, headers)] = server.requests
    assert path == "/v1/companies/acme.example"
    assert headers["Authorization"] == "Bearer k-123"


def test_http_provider_sends_no_authorization_header_without_a_key(server: ProviderServer, clock: FixedClock) -> None:
    server.answer("acme.example", 200, ACME)

    http_provider(server, clock, api_key=None).lookup("acme.example")

    [(_, headers)] = server.requests
    assert "Authorization" not in headers


def test_http_provider_does_not_know_a_domain_answered_404(server: ProviderServer, clock: FixedClock) -> None:
    server.answer("northwind.example", 404, {"message": "not found"})

    assert http_provider(server, clock).lookup("northwind.example") is None
    assert server.hits == 1


def test_http_provider_does_not_know_a_domain_answered_with_no_fields(
    server: ProviderServer, clock: FixedClock
) -> None:
    server.answer("northwind.example", 200, {"domain": "northwind.example", "company_name": None})

    assert http_provider(server, clock).lookup("northwind.example") is None


def test_http_provider_is_unavailable_on_a_server_error(server: ProviderServer, clock: FixedClock) -> None:
    server.answer("acme.example", 500, {"message": "boom"})

    with pytest.raises(EnrichmentUnavailable, match="HTTP 500"):
        http_provider(server, clock).lookup("acme.example")


def test_http_provider_gives_up_on_a_slow_answer_at_its_timeout(server: ProviderServer, clock: FixedClock) -> None:
    server.answer("acme.example", 200, ACME, delay=5.0)
    started = time.monotonic()

    with pytest.raises(EnrichmentUnavailable):
        http_provider(server, clock).lookup("acme.example")

    assert time.monotonic() - started < TIMEOUT + 0.5


@pytest.mark.parametrize(
    "body",
    [b"<html>maintenance</html>", b"[]", b'{"company_name": "Acme", "employees": "120"}', b'{"employees": -3}', b""],
    ids=["not-json", "not-an-object", "employees-as-text", "negative-employees", "empty"],
)
def test_http_provider_is_unavailable_on_a_malformed_answer(
    server: ProviderServer, clock: FixedClock, body: bytes
) -> None:
    server.answer("acme.example", 200, body)

    with pytest.raises(EnrichmentUnavailable, match="malformed"):
        http_provider(server, clock).lookup("acme.example")


def test_http_provider_does_not_follow_a_redirect(server: ProviderServer, clock: FixedClock) -> None:
    server.answer("acme.example", 302, headers={"Location": f"{server.url}/elsewhere.example"})

    with pytest.raises(EnrichmentUnavailable, match="HTTP 302"):
        http_provider(server, clock).lookup("acme.example")

    assert [path for path, _ in server.requests] == ["/v1/companies/acme.example"]


def test_http_provider_is_unavailable_when_nothing_listens(clock: FixedClock) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = HttpEnrichmentProvider(f"http://127.0.0.1:{port}", timeout_seconds=TIMEOUT)

    with pytest.raises(EnrichmentUnavailable):
        provider.lookup("acme.example")


@pytest.mark.parametrize("domain", ["gmail.com", "../admin", "acme.example/x?y=1", "localhost", ""])
def test_http_provider_never_sends_free_mail_or_a_non_domain(
    server: ProviderServer, clock: FixedClock, domain: str
) -> None:
    assert http_provider(server, clock).lookup(domain) is None
    assert server.hits == 0


def test_http_provider_sends_an_internationalised_domain_as_punycode(server: ProviderServer, clock: FixedClock) -> None:
    server.answer("xn--mller-kva.example", 200, ACME)

    found = http_provider(server, clock).lookup("müller.example")

    assert found is not None and found.domain == "müller.example" and found.company_name == "Acme"


def test_http_provider_rejects_a_non_http_url() -> None:
    with pytest.raises(ValueError, match="http"):
        HttpEnrichmentProvider("file:///etc/passwd")


# The circuit breaker


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


# The chain


def test_chain_answers_with_the_primary_when_it_knows_the_domain() -> None:
    answer = Firmographics(domain="sap.com", company_name="SAP SE", known=True)
    fallback = StubProvider("fallback")

    assert ChainedProvider(StubProvider("primary", answer), fallback).lookup("sap.com") == answer
    assert fallback.lookups == []


def test_chain_falls_back_when_the_primary_does_not_know_the_domain() -> None:
    found = ChainedProvider(StubProvider("primary"), directory()).lookup("sap.com")

    assert found is not None and found.company_name == "SAP"


def test_chain_falls_back_when_the_primary_is_unavailable(server: ProviderServer, clock: FixedClock) -> None:
    server.answer("sap.com", 500)

    found = ChainedProvider(http_provider(server, clock), directory()).lookup("sap.com")

    assert found is not None and found.company_name == "SAP"
    assert server.hits == 1


def test_chain_falls_back_without_calling_the_provider_while_its_breaker_is_open(
    server: ProviderServer, clock: FixedClock
) -> None:
    server.answer("sap.com", 500, delay=5.0)  # failing slowly: the worst case the breaker is for
    chain = ChainedProvider(http_provider(server, clock, threshold=2), directory())
    for _ in range(2):
        chain.lookup("sap.com")
    started = time.monotonic()

    found = chain.lookup("sap.com")

    assert found is not None and found.company_name == "SAP"
    assert server.hits == 2
    assert time.monotonic() - started < 0.1


def test_chain_does_not_know_a_domain_neither_provider_knows() -> None:
    assert ChainedProvider(StubProvider("primary"), directory()).lookup("northwind.example") is None


# Firmographics through a provider


def test_enrich_with_marks_free_mail_without_asking_the_provider() -> None:
    provider = StubProvider("primary", unavailable=True)

    assert enrich_with("GMail.com", provider) == Firmographics(domain="gmail.com", free_mail=True, known=False)
    assert provider.lookups == []


def test_enrich_with_keeps_a_domain_no_provider_knows_unknown() -> None:
    found = enrich_with("northwind.example", ChainedProvider(StubProvider("primary"), directory()))

    assert found == Firmographics(domain="northwind.example", free_mail=False, known=False)


def test_enrich_with_lets_an_unavailable_provider_fail_the_step() -> None:
    with pytest.raises(EnrichmentUnavailable):
        enrich_with("acme.example", StubProvider("primary", unavailable=True))


# Settings


BASE_ENV = {
    "LEADS_TABLE": "leads",
    "CONFIG_TABLE": "config",
    "IDEMPOTENCY_TABLE": "idempotency",
    "OUTBOX_TABLE": "outbox",
    "EVENT_BUS_NAME": "leadflow",
}


def test_external_enrichment_is_off_by_default() -> None:
    settings = Settings.from_environ(BASE_ENV)

    assert not settings.enrichment_enabled
    assert (settings.enrichment_url, settings.enrichment_api_key_parameter) == ("", "")
    assert settings.enrichment_timeout_seconds == 1.5


def test_external_enrichment_is_configured_from_the_environment() -> None:
    settings = Settings.from_environ(
        {
            **BASE_ENV,
            "ENRICHMENT_URL": "https://firmographics.example/v1/companies/",
            "ENRICHMENT_API_KEY_PARAMETER": "/leadflow/prod/enrichment-api-key",
            "ENRICHMENT_TIMEOUT_SECONDS": "0.8",
        }
    )

    assert settings.enrichment_enabled
    assert settings.enrichment_url == "https://firmographics.example/v1/companies"
    assert settings.enrichment_api_key_parameter == "/leadflow/prod/enrichment-api-key"
    assert settings.enrichment_timeout_seconds == 0.8


@pytest.mark.parametrize(
    "env",
    [
        {"ENRICHMENT_URL": "firmographics.example"},
        {"ENRICHMENT_TIMEOUT_SECONDS": "0"},
        {"ENRICHMENT_TIMEOUT_SECONDS": "x"},
    ],
)
def test_misconfigured_external_enrichment_fails_at_cold_start(env: dict[str, str]) -> None:
    with pytest.raises(RuntimeError, match="misconfigured"):
        Settings.from_environ({**BASE_ENV, **env})
