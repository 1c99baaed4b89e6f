"""Who a lead is: the canonical form of an email address, so that one person's spellings of it find one lead."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

_DISPLAY_NAME = re.compile(r"\s*[^<>]*<\s*([^<>]+?)\s*>\s*")
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def strip_display_name(raw: str) -> str:
    """`Ada Lovelace <ada@example.com>` -> `ada@example.com`; anything else is returned stripped."""
    match = _DISPLAY_NAME.fullmatch(raw)
    return match.group(1) if match else raw.strip()


def canonical_email(raw: str) -> str:
    """The key two spellings of one mailbox share: lowercase, no display name, no +tag, and for Gmail no dots.

    Plus-tags are dropped for every domain: most providers deliver `a+x@` to `a@`, and treating two leads as
    one person is cheaper to undo than a sales rep calling someone twice. Raises ValueError without an @."""
    address = strip_display_name(raw).lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"not an email address: {raw!r}")
    domain = domain.rstrip(".")
    untagged = local.split("+", 1)[0]
    if untagged:  # "+promo@x.com" has nothing before the tag; keep it whole rather than produce "@x.com"
        local = untagged
    if domain in _GMAIL_DOMAINS:
        # Gmail ignores dots in the local part, and googlemail.com is the same mailbox as gmail.com.
        local = local.replace(".", "") or local
        domain = "gmail.com"
    return f"{local}@{domain}"


def email_domain(email: str) -> str:
    """The domain part of an address, lowercase, without a display name or trailing dot."""
    _, at, domain = strip_display_name(email).rpartition("@")
    if not at or not domain:
        raise ValueError(f"not an email address: {email!r}")
    return domain.lower().rstrip(".")


@cache
def free_mail_domains() -> frozenset[str]:
    """The bundled list of free-mail providers' domains (leadflow/data/free_mail_domains.txt)."""
    text = files("leadflow").joinpath("data/free_mail_domains.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )


def is_free_mail(domain: str) -> bool:
    """True for a consumer mailbox provider: the address tells nothing about the lead's employer."""
    return domain.lower().rstrip(".") in free_mail_domains()
