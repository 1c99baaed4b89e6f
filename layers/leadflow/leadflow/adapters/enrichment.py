"""Enrichment providers that call out: an external HTTP data provider behind a circuit breaker (off unless
ENRICHMENT_URL is set), and a chain that asks it first and the bundled directory (leadflow.domain.enrichment's
DirectoryProvider) when it cannot answer.

The HTTP provider expects `GET {base_url}/{domain}` (with `Authorization: Bearer <key>` when a key is set) to answer

    200  {"domain": "sap.com", "company_name": "SAP", "industry": "software", "employees": 108000, "country": "DE"}
    404  when it does not know the domain

Every field is optional and may be null; `employees` is a whole number; `country` an ISO 3166-1 alpha-2 code;
`industry` is compared by the scoring rules, so it should use the bundled directory's vocabulary (software, fintech,
manufacturing, ...; see leadflow/data/company_domains.csv). Unknown fields are ignored. Anything else (5xx, 401,
429, a redirect, a timeout, a body that is not such an object) means the provider cannot answer now.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Collection
from http import HTTPStatus

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leadflow.adapters.circuit_breaker import CircuitBreaker
from leadflow.domain.enrichment import ascii_domain, provider_firmographics
from leadflow.domain.identity import free_mail_domains
from leadflow.models.lead import Firmographics
from leadflow.observability import logger
from leadflow.ports import EnrichmentProvider, EnrichmentUnavailable

MAX_ANSWER_BYTES = 65_536  # a firmographics answer is a few hundred bytes; more is not an answer we want to parse


class CircuitOpen(EnrichmentUnavailable):
    """The breaker is open: the provider failed repeatedly and is not asked until the reset time has passed."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would carry the Authorization header to wherever it points; the provider's API has no reason to.
    def redirect_request(  # noqa: PLR0917 -- urllib's signature, overridden
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: object,
        newurl: str,
    ) -> None:
        return None


class _ProviderAnswer(BaseModel):
    """The documented JSON shape of a 200 answer; strict, so `"employees": "12"` is malformed, not 12."""

    model_config = ConfigDict(extra="ignore", strict=True, str_strip_whitespace=True)

    domain: str | None = None
    company_name: str | None = None
    industry: str | None = None
    employees: int | None = Field(default=None, ge=0)
    country: str | None = None


class HttpEnrichmentProvider:
    """An external firmographics API (see the module docstring for its contract), standard library only.

    `timeout_seconds` bounds connecting and each read of the answer. Free-mail domains are never sent."""

    name: str = "http"

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout_seconds: float = 1.5,
        breaker: CircuitBreaker | None = None,
        free_mail: Collection[str] | None = None,
    ) -> None:
        scheme = urllib.parse.urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            raise ValueError(f"enrichment URL must be http(s), not {base_url!r}")
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self.breaker = breaker or CircuitBreaker()
        self._api_key = api_key or None
        self._free_mail = free_mail_domains() if free_mail is None else free_mail
        self._opener = urllib.request.build_opener(_NoRedirects)

    def __repr__(self) -> str:  # never shows the key
        return f"HttpEnrichmentProvider({self.base_url!r}, breaker={self.breaker.state})"

    def lookup(self, domain: str) -> Firmographics | None:
        domain = domain.lower().rstrip(".")
        url_domain = ascii_domain(domain)
        if domain in self._free_mail or url_domain is None:
            return None  # not a company domain: nothing to pay a provider for, nothing to put in a URL
        if not self.breaker.acquire():
            raise CircuitOpen(f"{self.base_url} failed repeatedly; not asked until the breaker half-opens")
        answered = False
        try:
            found = self._fetch(domain, url_domain)
            answered = True
            return found
        finally:
            # Any way out but an answer (including a bug here) counts against the provider, so a trial never hangs.
            if answered:
                self.breaker.record_success()
            else:
                self.breaker.record_failure()

    def _fetch(self, domain: str, url_domain: str) -> Firmographics | None:
        url = f"{self.base_url}/{url_domain}"
        headers = {"Accept": "application/json", "User-Agent": "leadflow-enrichment"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310 - scheme checked in __init__
        started = time.monotonic()
        try:
            with self._opener.open(request, timeout=self.timeout_seconds) as response:
                body = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == HTTPStatus.NOT_FOUND:
                return None
            raise self._unavailable(domain, f"HTTP {exc.code}", started) from exc
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets, bad status lines
            raise self._unavailable(domain, type(exc).__name__, started) from exc
        if len(body) > MAX_ANSWER_BYTES:
            raise self._unavailable(domain, "answer too large", started)
        try:
            answer = _ProviderAnswer.model_validate_json(body)
        except ValidationError as exc:
            raise self._unavailable(domain, "malformed answer", started) from exc
        return provider_firmographics(
            domain,
            company_name=answer.company_name,
            industry=answer.industry,
            employees=answer.employees,
            country=answer.country,
        )

    def _unavailable(self, domain: str, reason: str, started: float) -> EnrichmentUnavailable:
        elapsed_ms = round((time.monotonic() - started) * 1000)
        logger.warning(
            "enrichment provider unavailable",
            extra={"provider": self.base_url, "domain": domain, "reason": reason, "elapsed_ms": elapsed_ms},
        )
        return EnrichmentUnavailable(f"{self.base_url} could not answer for {domain}: {reason}")


class ChainedProvider:
    """Asks `primary` first; when it does not know the domain or cannot answer (failing, breaker open), answers with
    `fallback`. Which one answered is logged, not stored: the firmographics look the same either way."""

    def __init__(self, primary: EnrichmentProvider, fallback: EnrichmentProvider) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = f"{primary.name}>{fallback.name}"

    def lookup(self, domain: str) -> Firmographics | None:
        try:
            found = self.primary.lookup(domain)
        except EnrichmentUnavailable as exc:
            logger.info(
                "enrichment falling back",
                extra={"domain": domain, "primary": self.primary.name, "reason": str(exc)},
            )
            found = None
        if found is not None:
            logger.debug("enriched", extra={"domain": domain, "provider": self.primary.name})
            return found
        found = self.fallback.lookup(domain)
        logger.debug("enriched", extra={"domain": domain, "provider": self.fallback.name, "known": found is not None})
        return found


__all__ = ["ChainedProvider", "CircuitOpen", "HttpEnrichmentProvider"]
