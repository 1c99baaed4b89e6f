"""Which account a lead belongs to: its corporate email domain; for a free-mail address, only a company name that
matches a known company exactly (after removing legal suffixes) — a weaker signal, so nothing fuzzier counts."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from leadflow.domain.enrichment import Company, DomainDirectory
from leadflow.domain.identity import canonical_company
from leadflow.models.account import Account
from leadflow.models.lead import Lead


def account_for(lead: Lead, directory: DomainDirectory, now: datetime) -> Account | None:
    firmographics = lead.firmographics
    if firmographics is None:
        return None
    if not firmographics.free_mail:
        return Account(
            account_id=firmographics.domain,
            name=firmographics.company_name or lead.company,
            industry=firmographics.industry,
            employees=firmographics.employees,
            country=firmographics.country,
            created_at=now,
        )
    company = _by_name(directory).get(canonical_company(lead.company) or "")
    if company is None:
        return None
    return Account(
        account_id=company.domain,
        name=company.name,
        industry=company.industry,
        employees=company.employees,
        country=company.country,
        created_at=now,
    )


@cache
def _by_name(directory: DomainDirectory) -> dict[str, Company]:
    return {name: company for company in directory if (name := canonical_company(company.name))}
