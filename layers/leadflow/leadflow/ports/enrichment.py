"""Where firmographics come from: one enrichment source, and how it says it cannot answer now."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from leadflow.models.lead import Firmographics


class EnrichmentUnavailable(Exception):
    """The enrichment provider cannot answer now (timeout, 5xx, malformed answer, breaker open); ask another or
    retry later. Distinct from "does not know the domain", which is an answer (None)."""


class EnrichmentProvider(Protocol):
    """Firmographics for an email domain from one source: the bundled directory, an external data provider, ..."""

    name: str

    def lookup(self, domain: str) -> Firmographics | None:
        """What the provider knows about `domain` (lower-case, no trailing dot); None if it does not know it.
        Raises EnrichmentUnavailable when it cannot answer now."""
