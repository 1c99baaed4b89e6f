"""What survives when one person's records come together (a submission joining a lead, two leads merged, a lead
enriched again): the primary email sales reach the person at, the firmographics their score stands on, and the
latest consent decision. Sales rely on these, so a weaker value never replaces a stronger one.

- Primary email: a corporate address outranks a free-mail, disposable or misspelt one, and a plain address
  outranks a plus-tagged one; among equals the newer one wins. Every address stays on the lead (`emails`).
- Firmographics: a known company outranks an unknown corporate domain, which outranks a free-mail domain; a
  record is only ever replaced by one at least as good.
- Consent: the newest decision wins, whichever record it came from.
"""

from __future__ import annotations

from collections.abc import Iterable

from leadflow.domain.identity import canonical_email, email_flags, is_free_mail, strip_display_name
from leadflow.models.lead import ConsentRecord, Firmographics, Lead


def email_rank(address: str) -> tuple[int, int]:
    """Lower is better: (0 corporate / 1 free-mail, disposable or a misspelt domain, 0 plain / 1 plus-tagged)."""
    plain = strip_display_name(address)
    local, _, domain = plain.rpartition("@")
    flags = email_flags(plain)
    personal = is_free_mail(domain) or flags.disposable or flags.typo_of is not None
    return (1 if personal else 0, 1 if "+" in local.strip("+") else 0)


def prefers_email(candidate: str, current: str, *, candidate_is_newer: bool) -> bool:
    """Whether `candidate` should become the primary email instead of `current`."""
    candidate_rank, current_rank = email_rank(candidate), email_rank(current)
    if candidate_rank != current_rank:
        return candidate_rank < current_rank
    return candidate_is_newer


def with_addresses(emails: Iterable[str], *added: str) -> list[str]:
    """`emails` plus `added`, one per exact address (case-insensitive), first spelling kept, in order seen."""
    kept: dict[str, str] = {}
    for address in [*emails, *added]:
        plain = strip_display_name(address)
        kept.setdefault(plain.casefold(), plain)
    return list(kept.values())


def addresses_of(lead: Lead) -> list[str]:
    """Every address of the lead, primary first (a lead stored before `emails` existed has its primary only)."""
    return with_addresses([lead.email], *lead.emails)


def email_identities(lead: Lead) -> list[str]:
    """The canonical forms of every address of the lead: the identities it holds (claims, suppression, erasure)."""
    return list(dict.fromkeys(canonical_email(address) for address in addresses_of(lead)))


def firmographics_rank(firmographics: Firmographics | None) -> int:
    """Higher is better: 3 a company in the directory, 2 an unknown corporate domain, 1 free-mail, 0 nothing."""
    if firmographics is None:
        return 0
    if firmographics.free_mail:
        return 1
    return 3 if firmographics.known else 2


def kept_firmographics(current: Firmographics | None, candidate: Firmographics | None) -> Firmographics | None:
    """`candidate` when it is at least as good as `current` (fresh data about an equal record), else `current`."""
    return candidate if firmographics_rank(candidate) >= firmographics_rank(current) else current


def latest_consent(*records: ConsentRecord | None) -> ConsentRecord | None:
    """The newest of the consent records (the first given on a tie)."""
    latest: ConsentRecord | None = None
    for record in records:
        if record is not None and (latest is None or record.at > latest.at):
            latest = record
    return latest
