"""An external HTTP enrichment provider, tested against a real HTTP server on 127.0.0.1: what it asks, what it
makes of the answer, and when it is unavailable."""

from __future__ import annotations

import socket

import pytest
from leadflow.adapters.enrichment import (
    HttpEnrichmentProvider,
)
from leadflow.clock import FixedClock
from leadflow.models.lead import Firmographics
from leadflow.ports import EnrichmentUnavailable

from tests.unit.enrichment.conftest import (
    ACME,
    GIVE_UP,
    HELD,
    TIMEOUT,
    ProviderServer,
    http_provider,
)


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
    # held until the test ends: a provider that waited for it would get Acme, not fail
    server.answer("acme.example", 200, ACME, delay=HELD)

    with pytest.raises(EnrichmentUnavailable, match="TimeoutError"):
        http_provider(server, clock, timeout=GIVE_UP).lookup("acme.example")


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
