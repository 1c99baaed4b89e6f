"""The bundled directory as an enrichment provider, and every provider satisfying the port."""

from __future__ import annotations

from leadflow.adapters.enrichment import (
    ChainedProvider,
)
from leadflow.clock import FixedClock
from leadflow.models.lead import Firmographics
from leadflow.ports import EnrichmentProvider

from tests.unit.enrichment.conftest import (
    ProviderServer,
    directory,
    http_provider,
)


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
