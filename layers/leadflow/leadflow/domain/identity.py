"""Who a lead is: the canonical forms of an email address, a phone number, a company and a name, so that one
person's spellings of them compare equal; and what an address says besides (a typo, a throwaway, a team mailbox)."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Literal

from leadflow.models.email_address import nfkc

# phonenumbers (its metadata) and rapidfuzz are imported by the functions that use them: most steps canonicalise
# only emails, and a Lambda's cold start pays for every module imported.
if TYPE_CHECKING:
    import phonenumbers

_DISPLAY_NAME = re.compile(r"\s*[^<>]*<\s*([^<>]+?)\s*>\s*")
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
_ALPHA_2_LENGTH = 2  # an ISO 3166-1 alpha-2 code: DE, GB, US


def strip_display_name(raw: str) -> str:
    """`Ada Lovelace <ada@example.com>` -> `ada@example.com`; anything else is returned stripped."""
    match = _DISPLAY_NAME.fullmatch(raw)
    return match.group(1) if match else raw.strip()


def canonical_email(raw: str) -> str:
    """The key two spellings of one mailbox share: compatibility forms folded (fullwidth letters are ASCII), lowercase,
    no display name, no +tag, and for Gmail no dots.

    Plus-tags are dropped for every domain: most providers deliver `a+x@` to `a@`, and treating two leads as
    one person is cheaper to undo than a sales rep calling someone twice. Raises ValueError without an @."""
    address = strip_display_name(nfkc(raw)).lower()
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
    _, at, domain = strip_display_name(nfkc(email)).rpartition("@")
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


# --- text folding ---------------------------------------------------------------------------------------------------

# Letters NFKD does not decompose into a base letter plus an accent.
_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i"}  # dotless i
)
# Apostrophes (straight, curly, backtick, acute) and dots join their neighbours: O'Brien -> obrien, S.A. -> sa
_JOINERS = re.compile("['\u2019`\u00b4.]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lowercase ASCII-ish text: accents removed (é -> e, ü -> u), ß -> ss, ø -> o."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_LETTERS))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _words(text: str) -> list[str]:
    """Folded words: apostrophes and dots join their neighbours, any other punctuation separates."""
    return _NON_ALNUM.sub(" ", _JOINERS.sub("", fold(text))).split()


def normalise_name(name: str | None) -> str | None:
    """A name as compared: accents folded, lowercase, punctuation dropped (`O'Brien-Smith` -> `obrien smith`)."""
    words = _words(name) if name else []
    return " ".join(words) or None


# --- countries and phone numbers ------------------------------------------------------------------------------------


def _data_lines(name: str) -> list[str]:
    """The non-empty, non-comment lines of a bundled data file."""
    text = files("leadflow").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@cache
def _country_names() -> dict[str, str]:
    rows = csv.DictReader(_data_lines("countries.csv"))
    return {row["name"]: row["iso2"] for row in rows}


def country_code(country: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country as typed in a form: a code (`de`, `UK`) or a name (`Germany`,
    `United States`, `U.S.A.`); None when it is neither."""
    import phonenumbers

    words = _words(country) if country else []
    key = " ".join(words)
    if len(key) == _ALPHA_2_LENGTH and key.upper() in phonenumbers.SUPPORTED_REGIONS:
        return key.upper()
    return _country_names().get(key)


def canonical_phone(raw: str | None, country: str | None = None) -> str | None:
    """The number in E.164 (`+14155550134`), or None when it is not a valid number.

    A number without a country code is read as a number of `country` (a code or a name; the US when None or not
    recognised). An extension is dropped: it reaches a desk, not a different person. `00` is read as the
    international prefix whatever the country, since no national number starts with it; a number that is not valid
    in its country but is with a plus in front (a country code without its plus) is read that way."""
    if not raw or not raw.strip():
        return None
    import phonenumbers

    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    number = _valid_number(text, country_code(country) or "US")
    digits = "".join(char for char in text if char.isdigit())
    if number is None and not text.startswith("+") and len(digits) >= MIN_INTERNATIONAL_DIGITS:
        # An export that dropped the plus: 61287918563 is not a US number, but it is +61 2 8791 8563.
        number = _valid_number("+" + digits, None)
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


#: Fewer digits than this are never read as a country code and a number (the shortest such are 11 long).
MIN_INTERNATIONAL_DIGITS = 11


def _valid_number(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


PhoneLine = Literal["mobile", "fixed", "either", "other"]


def phone_line(e164: str) -> PhoneLine:
    """Whether an E.164 number is a mobile (one person's), a fixed line (shared by an office or a household), or
    `either` where the numbering plan does not tell (the US and Canada)."""
    import phonenumbers

    kinds: dict[int, PhoneLine] = {
        phonenumbers.PhoneNumberType.MOBILE: "mobile",
        phonenumbers.PhoneNumberType.FIXED_LINE: "fixed",
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "either",
    }
    return kinds.get(phonenumbers.number_type(phonenumbers.parse(e164, None)), "other")


# --- companies ------------------------------------------------------------------------------------------------------

#: Legal-form words dropped from the end of a company name ("Acme Holdings Co., Ltd." -> "acme holdings").
LEGAL_SUFFIXES = frozenset(
    {
        *("inc", "incorporated", "llc", "ltd", "limited", "corp", "corporation", "co", "company", "plc", "llp", "lp"),
        *("gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "ug", "ev", "se"),  # German, and the European SE
        *("sa", "sab", "sas", "sasu", "sarl", "sca", "srl", "spa", "sl", "slu", "sau", "lda", "ltda"),  # Romance
        *("bv", "nv", "vof", "cv"),  # Dutch, Belgian
        *("ab", "as", "asa", "aps", "oy", "oyj"),  # Nordic
        *("pty", "pte", "pvt", "private", "bhd", "sdn", "kk", "sro", "kft", "zrt"),  # elsewhere
    }
)
_WEB_SUFFIX = re.compile(r"(?<=[a-z0-9])\.(?:com|net|org|io|ai|co|de)\b")  # Salesforce.com, Inc. -> salesforce
_TIGHT_AMPERSAND = re.compile(r"(?<=\w)\s*&\s*(?=\w\b)|(?<=\b\w)\s*&\s*(?=\w)")  # AT&T -> att, P & G -> pg


def canonical_company(name: str | None) -> str | None:
    """A company name as compared: folded, no punctuation, no legal form (`The Procter & Gamble Company` ->
    `procter and gamble`, `SAP SE` -> `sap`, `AT&T Inc.` -> `att`). None when nothing is left but punctuation.

    Only trailing legal-form words (and a leading "the") go: "Company" in the middle of a name is part of it, and a
    name that is nothing but such words is kept whole rather than emptied."""
    if not name:
        return None
    text = _TIGHT_AMPERSAND.sub("", _WEB_SUFFIX.sub("", fold(name))).replace("&", " and ").replace("/", "")
    words = _words(text)
    core = words[1:] if len(words) > 1 and words[0] == "the" else words
    end = len(core)
    while end > 1 and (core[end - 1] in LEGAL_SUFFIXES or core[end - 1] in {"and", "de", "u"}):
        end -= 1  # "& Co." leaves a dangling "and"; "S.A. de C.V." a "de"; "GmbH u. Co. KG" a "u"
    return " ".join(core[:end] or words) or None


# --- first names ----------------------------------------------------------------------------------------------------


@cache
def _nicknames() -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    """Each name's variants (every name on a row it appears on), and its formal name: itself when it heads a row,
    else the head of the first row it appears on (rows are ordered by how common their name is)."""
    rows = [[name.strip() for name in line.split(",") if name.strip()] for line in _data_lines("nicknames.csv")]
    heads = {row[0] for row in rows}
    variants: dict[str, set[str]] = {}
    formal: dict[str, str] = {}
    for row in rows:
        for name in row:
            variants.setdefault(name, set()).update(row)
            formal.setdefault(name, name if name in heads else row[0])
    return {name: frozenset(names) for name, names in variants.items()}, formal


def first_name_variants(first: str | None) -> frozenset[str]:
    """The name and the names it may stand for or be short for: `Bill` -> {bill, william, will, billy, liam, ...}.

    Empty for no name. A double first name (`Mary Ann`) also brings its first word's variants."""
    name = normalise_name(first)
    if not name:
        return frozenset()
    table, _ = _nicknames()
    head = name.split()[0]
    return frozenset({name, head}) | table.get(name, frozenset()) | table.get(head, frozenset())


def formal_first_name(first: str | None) -> str | None:
    """The likeliest formal name behind a first name (`Bill` -> `william`, `Liz` -> `elizabeth`); the name itself
    when it is not a known short form. A key that nicknames of one name share."""
    name = normalise_name(first)
    if not name:
        return None
    head = name.split()[0]
    return _nicknames()[1].get(head, head)


# --- email flags ----------------------------------------------------------------------------------------------------

#: Domains so common that a near miss is a typo of them, not another provider (long enough that one edit away is
#: rarely a real domain; known domains are never taken for typos).
_MAJOR_MAIL_DOMAINS = (
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "icloud.com",
    "protonmail.com",
    "comcast.net",
    "hotmail.co.uk",
    "yahoo.co.uk",
    "btinternet.com",
    "t-online.de",
)


@dataclass(frozen=True)
class EmailFlags:
    """What an address says besides who: a likely typo in its domain, a throwaway mailbox, a shared team mailbox."""

    typo_of: str | None
    disposable: bool
    role: bool


@cache
def _domain_typos() -> dict[str, str]:
    return {row["typo"]: row["domain"] for row in csv.DictReader(_data_lines("email_domain_typos.csv"))}


@cache
def disposable_domains() -> frozenset[str]:
    """The bundled list of throwaway mailbox domains (leadflow/data/disposable_domains.txt)."""
    return frozenset(line.lower() for line in _data_lines("disposable_domains.txt"))


@cache
def _role_local_parts() -> frozenset[str]:
    return frozenset(_NON_ALNUM.sub("", line.lower()) for line in _data_lines("role_local_parts.txt"))


@cache
def _company_domains() -> frozenset[str]:
    return frozenset(line.split(",", 1)[0].lower() for line in _data_lines("company_domains.csv")[1:])


def domain_typo_of(domain: str) -> str | None:
    """The major mail domain `domain` is a misspelling of (`gmial.com` -> `gmail.com`), or None."""
    domain = domain.lower().rstrip(".")
    if domain in _domain_typos():
        return _domain_typos()[domain]
    if domain in free_mail_domains() or domain in disposable_domains() or domain in _company_domains():
        return None
    from rapidfuzz.distance import DamerauLevenshtein

    for major in _MAJOR_MAIL_DOMAINS:
        if DamerauLevenshtein.distance(domain, major, score_cutoff=1) <= 1:
            return major
    return None


def is_role_address(local_part: str) -> bool:
    """True for a team mailbox's local part (info, sales, no-reply ...), whatever its separators and +tag."""
    untagged = local_part.lower().split("+", 1)[0]
    return _NON_ALNUM.sub("", untagged) in _role_local_parts()


def is_disposable(domain: str) -> bool:
    """True for a throwaway mailbox provider's domain or a subdomain of one."""
    domain = domain.lower().rstrip(".")
    parts = domain.split(".")
    return any(".".join(parts[start:]) in disposable_domains() for start in range(len(parts) - 1))


def email_flags(raw: str) -> EmailFlags:
    """Flags for an address; raises ValueError when `raw` has no @."""
    address = strip_display_name(nfkc(raw))
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"not an email address: {raw!r}")
    domain = domain.lower().rstrip(".")
    return EmailFlags(typo_of=domain_typo_of(domain), disposable=is_disposable(domain), role=is_role_address(local))
