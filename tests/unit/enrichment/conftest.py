"""Shared by the enrichment provider tests: a real HTTP provider server on 127.0.0.1 (never the network) that
counts its calls and answers as told, a fixed clock, and providers built over them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from leadflow.adapters.circuit_breaker import CircuitBreaker
from leadflow.adapters.enrichment import HttpEnrichmentProvider
from leadflow.clock import FixedClock
from leadflow.domain.enrichment import DirectoryProvider, DomainDirectory
from leadflow.models.lead import Firmographics
from leadflow.ports import EnrichmentUnavailable

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
# The provider's timeout where the server answers at once: ample even on a loaded machine, so an answer is never lost
# to the scheduler. Where a test needs the provider to give up, it sets GIVE_UP and the server holds its answer for
# HELD seconds or until the test ends: only the provider's timeout can end that wait.
TIMEOUT = 5.0
GIVE_UP = 0.2
HELD = 60.0
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
        self._seen = threading.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/companies"

    @property
    def hits(self) -> int:
        with self._seen:
            return len(self.requests)

    def wait_for_hits(self, count: int, timeout: float = 10.0) -> None:
        """A request the provider gave up on reaches the handler's thread on the server's time, not the caller's."""
        with self._seen:
            if not self._seen.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"the server saw {len(self.requests)} request(s), not {count}")

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
        with self._seen:
            self.requests.append((path, headers))
            self._seen.notify_all()


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
    server: ProviderServer,
    clock: FixedClock,
    *,
    api_key: str | None = "k-123",
    threshold: int = 3,
    timeout: float = TIMEOUT,
) -> HttpEnrichmentProvider:
    breaker = CircuitBreaker(failure_threshold=threshold, reset_after_seconds=60, clock=clock)
    return HttpEnrichmentProvider(server.url, api_key=api_key, timeout_seconds=timeout, breaker=breaker)


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
