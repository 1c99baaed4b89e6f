"""The provider chain and enrichment through a provider: which provider answers, when the next is asked, and what
an unavailable provider does to the step."""

from __future__ import annotations

import pytest
from leadflow.adapters.enrichment import (
    ChainedProvider,
)
from leadflow.clock import FixedClock
from leadflow.domain.enrichment import enrich_with
from leadflow.models.lead import Firmographics
from leadflow.ports import EnrichmentUnavailable

from tests.unit.enrichment.conftest import (
    GIVE_UP,
    HELD,
    ProviderServer,
    StubProvider,
    directory,
    http_provider,
)

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
    server.answer("sap.com", 500, delay=HELD)  # failing slowly (timing out): the worst case the breaker is for
    primary = http_provider(server, clock, threshold=2, timeout=GIVE_UP)
    chain = ChainedProvider(primary, directory())
    for _ in range(2):
        chain.lookup("sap.com")
    server.wait_for_hits(2)

    found = chain.lookup("sap.com")

    assert found is not None and found.company_name == "SAP"
    assert primary.breaker.state == "open"
    assert server.hits == 2  # the third lookup sent nothing, so it did not wait out the provider's timeout


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
