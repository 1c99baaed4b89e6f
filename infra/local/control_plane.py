"""Who may use the local runtime's own pages and controls (`/`, `/_local/*`), which show every lead and move its clock.

Any web page the developer opens can make the browser send requests to 127.0.0.1, so each request must:
- name the runtime itself as its Host (127.0.0.1, localhost or [::1] on the port it serves): a page whose own name
  was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name and is refused;
- when it changes something (any method but GET and HEAD), come from the runtime's own origin: a browser names a
  foreign page in `Origin` or `Sec-Fetch-Site`, and that is refused (a cross-site form post or fetch);
- carry the API key: the `x-api-key` header (scripts, tests), or the dashboard's session cookie, which `/?key=...` or
  the login form sets (HttpOnly, SameSite=Strict, so no other site's request carries it).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
HTTP_PORT = 80  # a browser leaves this port out of the Host header
SAFE_METHODS = frozenset({"GET", "HEAD"})
SAME_ORIGIN_FETCH = frozenset({"same-origin", "none"})  # "none": typed in the address bar or a bookmark
_WILDCARDS = frozenset({"", "0.0.0.0", "::", "[::]"})  # noqa: S104 - names of a bind address, not a bind


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str
    needs_key: bool = False  # the page may offer the login form


class ControlPlaneGuard:
    def __init__(self, api_key: str, port: int, bound_host: str = "127.0.0.1") -> None:
        self._api_key = api_key
        self.port = port
        names = set(LOOPBACK_NAMES)
        if bound_host not in _WILDCARDS:
            names.add(f"[{bound_host}]" if ":" in bound_host else bound_host)  # a host bound on purpose is its own
        self.hosts = frozenset({f"{name}:{port}" for name in names} | (names if port == HTTP_PORT else set()))
        self.origins = frozenset(f"http://{host}" for host in self.hosts)
        # The cookie holds a value derived from the key, not the key; it names the port because cookies do not.
        self.cookie_name = f"leadflow_local_{port}"
        self._session = hmac.new(api_key.encode(), b"leadflow local dashboard session", hashlib.sha256).hexdigest()

    def refuse(self, method: str, headers: Mapping[str, str]) -> Refusal | None:
        """Why this request may not use the control plane, or None. `headers` have lower-case names."""
        host = headers.get("host", "").strip().lower()
        if host not in self.hosts:
            allowed = ", ".join(sorted(self.hosts))
            return Refusal(403, f"Host {host or '(none)'!r} is not this runtime; use one of {allowed}")
        if method.upper() not in SAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None and origin.lower() not in self.origins:
                return Refusal(403, f"Origin {origin!r} is not this runtime: cross-site requests are refused")
            fetch_site = headers.get("sec-fetch-site")
            if fetch_site is not None and fetch_site.lower() not in SAME_ORIGIN_FETCH:
                return Refusal(403, f"Sec-Fetch-Site {fetch_site!r}: cross-site requests are refused")
        if not (self.key_matches(headers.get("x-api-key")) or self._has_session(headers.get("cookie"))):
            return Refusal(401, "the local control plane needs the API key: an x-api-key header", needs_key=True)
        return None

    def key_matches(self, key: str | None) -> bool:
        return key is not None and hmac.compare_digest(key.encode(), self._api_key.encode())

    def session_cookie(self) -> str:
        """The Set-Cookie value that lets this browser use the dashboard until it closes."""
        return f"{self.cookie_name}={self._session}; HttpOnly; SameSite=Strict; Path=/"

    def _has_session(self, cookie_header: str | None) -> bool:
        if not cookie_header:
            return False
        try:
            cookies = SimpleCookie(cookie_header)
        except CookieError:
            return False
        morsel = cookies.get(self.cookie_name)
        return morsel is not None and hmac.compare_digest(morsel.value.encode(), self._session.encode())


__all__ = ["ControlPlaneGuard", "Refusal"]
