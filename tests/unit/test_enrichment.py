"""Enrichment: what the email domain tells about a lead's company."""

from __future__ import annotations

import pytest
from leadflow.domain.enrichment import DomainDirectory, enrich, size_band
from leadflow.domain.identity import free_mail_domains


def test_known_company_domain_gets_the_company_firmographics() -> None:
    firmographics = enrich("sap.com", DomainDirectory.bundled())

    assert firmographics.known
    assert not firmographics.free_mail
    assert (firmographics.company_name, firmographics.industry, firmographics.country) == ("SAP", "software", "DE")
    assert firmographics.size_band == "5000+"


def test_subdomain_of_a_known_company_resolves_to_that_company() -> None:
    firmographics = enrich("mail.siemens.com", DomainDirectory.bundled())

    assert firmographics.known
    assert firmographics.company_name == "Siemens"
    assert firmographics.domain == "mail.siemens.com"


def test_free_mail_domain_is_marked_free_mail_and_names_no_company() -> None:
    firmographics = enrich("gmail.com", DomainDirectory.bundled())

    assert firmographics.free_mail
    assert not firmographics.known
    assert firmographics.company_name is None


def test_unknown_company_domain_stays_unknown_without_a_guessed_name() -> None:
    firmographics = enrich("northwind.example", DomainDirectory.bundled())

    assert not firmographics.known
    assert not firmographics.free_mail
    assert (firmographics.company_name, firmographics.industry, firmographics.size_band) == (None, None, None)


def test_a_directory_built_from_csv_text_is_used_as_given() -> None:
    csv_text = "domain,name,industry,employees,country\nNorthwind.example,Northwind,retail,42,GB\n"
    directory = DomainDirectory.from_csv(csv_text)

    firmographics = enrich("northwind.example", directory, free_mail=frozenset())

    assert (firmographics.company_name, firmographics.employees, firmographics.size_band) == ("Northwind", 42, "11-50")


@pytest.mark.parametrize(
    ("employees", "band"),
    [
        (None, None),
        (0, None),
        (1, "1-10"),
        (10, "1-10"),
        (11, "11-50"),
        (50, "11-50"),
        (51, "51-200"),
        (200, "51-200"),
        (201, "201-1000"),
        (1000, "201-1000"),
        (1001, "1001-5000"),
        (5000, "1001-5000"),
        (5001, "5000+"),
    ],
)
def test_size_band_follows_the_employee_count(employees: int | None, band: str | None) -> None:
    assert size_band(employees) == band


def test_bundled_directory_lists_hundreds_of_companies_with_headcounts() -> None:
    companies = list(DomainDirectory.bundled())

    assert len(companies) >= 200
    assert all(company.employees and company.employees > 0 for company in companies)
    assert all(company.industry and company.country and len(company.country) == 2 for company in companies)


def test_no_bundled_company_domain_is_a_free_mail_domain() -> None:
    company_domains = {company.domain for company in DomainDirectory.bundled()}

    assert company_domains.isdisjoint(free_mail_domains())
