"""What an email domain says about a lead's company, from a bundled directory of well-known companies.

Used by the enrich step through an EnrichmentProvider: the bundled directory (DirectoryProvider) by default, an
external data provider (leadflow.adapters.enrichment) in front of it when configured, without touching scoring; what
such a provider's answer means is decided here too (provider_firmographics)."""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from leadflow.domain.identity import free_mail_domains
from leadflow.models.lead import Firmographics, SizeBand
from leadflow.ports import EnrichmentProvider

_DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")

# Upper bounds (inclusive) of each band; anything above the last is "5000+".
_SIZE_BANDS: tuple[tuple[int, SizeBand], ...] = (
    (10, "1-10"),
    (50, "11-50"),
    (200, "51-200"),
    (1000, "201-1000"),
    (5000, "1001-5000"),
)


def size_band(employees: int | None) -> SizeBand | None:
    """The size band an employee count falls into; None when the count is unknown or not positive."""
    if employees is None or employees < 1:
        return None
    for upper, band in _SIZE_BANDS:
        if employees <= upper:
            return band
    return "5000+"


@dataclass(frozen=True)
class Company:
    domain: str
    name: str
    industry: str | None
    employees: int | None
    country: str | None


class DomainDirectory:
    """Companies by email domain. A subdomain (`eu.sap.com`) resolves to its company (`sap.com`)."""

    def __init__(self, companies: Iterable[Company]) -> None:
        self._by_domain = {company.domain.lower(): company for company in companies}

    @classmethod
    def from_csv(cls, text: str) -> DomainDirectory:
        """Read `domain,name,industry,employees,country` rows; lines starting with # are comments."""
        rows = csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
        return cls(
            Company(
                domain=row["domain"].strip().lower(),
                name=row["name"].strip(),
                industry=row["industry"].strip() or None,
                employees=int(row["employees"]) if row["employees"].strip() else None,
                country=row["country"].strip() or None,
            )
            for row in rows
        )

    @classmethod
    def bundled(cls) -> DomainDirectory:
        """The directory shipped in leadflow/data/company_domains.csv, loaded once per process."""
        return _bundled_directory()

    def lookup(self, domain: str) -> Company | None:
        labels = domain.lower().rstrip(".").split(".")
        # Try the domain, then each parent down to two labels: mail.siemens.com -> siemens.com.
        for start in range(len(labels) - 1):
            company = self._by_domain.get(".".join(labels[start:]))
            if company is not None:
                return company
        return None

    def __len__(self) -> int:
        return len(self._by_domain)

    def __iter__(self) -> Iterator[Company]:
        return iter(self._by_domain.values())


@cache
def _bundled_directory() -> DomainDirectory:
    text = files("leadflow").joinpath("data/company_domains.csv").read_text(encoding="utf-8")
    return DomainDirectory.from_csv(text)


def directory_firmographics(domain: str, directory: DomainDirectory) -> Firmographics | None:
    """What the directory knows of a (lowercase) domain's company; None when it does not list it."""
    company = directory.lookup(domain)
    if company is None:
        return None
    return Firmographics(
        domain=domain,
        company_name=company.name,
        industry=company.industry,
        employees=company.employees,
        size_band=size_band(company.employees),
        country=company.country,
        free_mail=False,
        known=True,
    )


class _DirectoryLookup:
    name = "directory"

    def __init__(self, directory: DomainDirectory) -> None:
        self._directory = directory

    def lookup(self, domain: str) -> Firmographics | None:
        return directory_firmographics(domain, self._directory)


def enrich(domain: str, directory: DomainDirectory, free_mail: Collection[str] | None = None) -> Firmographics:
    """Firmographics for an email domain from the directory alone, with enrich_with's rules: a free-mail domain is
    marked as such and never looked up; a domain the directory does not know stays unknown, with no company name
    guessed from the domain."""
    return enrich_with(domain, _DirectoryLookup(directory), free_mail)


def enrich_with(domain: str, provider: EnrichmentProvider, free_mail: Collection[str] | None = None) -> Firmographics:
    """Firmographics for an email domain from `provider`, with `enrich`'s rules: a free-mail domain is marked as such
    and never sent to any provider; a domain the provider does not know stays unknown. EnrichmentUnavailable from
    the provider propagates, so that the step fails and is retried rather than recording a wrong "unknown"."""
    domain = domain.lower().rstrip(".")
    free_mail = free_mail_domains() if free_mail is None else free_mail
    if domain in free_mail:
        return Firmographics(domain=domain, free_mail=True, known=False)
    found = provider.lookup(domain)
    if found is None:
        return Firmographics(domain=domain, free_mail=False, known=False)
    return found


class DirectoryProvider:
    """The bundled domain directory as a provider; it never calls out and is never unavailable."""

    name: str = "directory"

    def __init__(self, directory: DomainDirectory, free_mail: Collection[str] | None = None) -> None:
        self._directory = directory
        self._free_mail = free_mail

    def lookup(self, domain: str) -> Firmographics | None:
        firmographics = enrich(domain, self._directory, self._free_mail)
        # A free-mail domain is something the directory knows about (it is not a company); an unknown one is not.
        if firmographics.known or firmographics.free_mail:
            return firmographics
        return None


def ascii_domain(domain: str) -> str | None:
    """The domain as it goes into the URL (punycode for an internationalised one); None if it is not a domain."""
    try:
        encoded = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return encoded if _DOMAIN.match(encoded) else None


def provider_firmographics(
    domain: str, *, company_name: str | None, industry: str | None, employees: int | None, country: str | None
) -> Firmographics | None:
    """An outside provider's answer about a domain as firmographics: industry compared in lowercase (the
    directory's vocabulary), the country as an upper-case ISO code; None when the answer says nothing."""
    company_name = company_name or None
    industry = industry.lower() if industry else None
    country = country.upper() if country else None
    if company_name is None and industry is None and employees is None and country is None:
        return None  # an answer with nothing in it is the provider not knowing the domain
    return Firmographics(
        domain=domain,
        company_name=company_name,
        industry=industry,
        employees=employees,
        size_band=size_band(employees),
        country=country,
        free_mail=False,
        known=True,
    )
