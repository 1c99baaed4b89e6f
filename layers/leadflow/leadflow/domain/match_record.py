"""A lead record as the matcher reads it: its canonical forms (prepared once) and the blocking keys under which
it meets its candidates. leadflow.domain.match_fields compares two prepared records field by field;
leadflow.domain.matching weighs the comparison."""

from __future__ import annotations

from dataclasses import dataclass

import jellyfish
from pydantic import BaseModel, ConfigDict, field_validator

from leadflow.domain.identity import (
    canonical_company,
    canonical_email,
    canonical_phone,
    country_code,
    domain_typo_of,
    first_name_variants,
    formal_first_name,
    is_disposable,
    is_free_mail,
    is_role_address,
    normalise_name,
    phone_line,
)

__all__ = ["MatchRecord", "PreparedRecord", "blocking_keys", "domain_label", "is_name_handle", "prepare", "sound"]


class MatchRecord(BaseModel):
    """One lead as the matcher sees it. Empty strings count as missing."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    record_id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    title: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None

    @field_validator(
        "first_name", "last_name", "email", "phone", "company", "title", "city", "state", "postcode", "country"
    )
    @classmethod
    def _empty_is_missing(cls, value: str | None) -> str | None:
        return value or None


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """A record with the canonical forms compare() and blocking_keys() use, computed once by prepare()."""

    record: MatchRecord
    email_canonical: str | None
    email_local: str | None  # the canonical local part without separators: john.smith -> johnsmith
    email_domain: str | None  # a misspelt major domain corrected (gmial.com -> gmail.com)
    free_mail: bool
    role_email: bool
    disposable: bool
    phone_e164: str | None
    phone_line: str | None
    company_canonical: str | None
    corporate_domain: str | None  # the email domain when it is an employer's, not a mailbox provider's
    first: str | None
    last: str | None
    first_variants: frozenset[str]
    name_spellings: frozenset[str]  # name words as an email address spells them: muller and mueller
    first_code: str  # metaphone of the formal first name: Bill and William share it
    first_sound: str  # metaphone of the first name as given
    last_code: str  # metaphone of the last name
    city: str | None
    postcode: str | None
    country: str | None  # ISO 3166-1 alpha-2
    title: str | None

    @property
    def record_id(self) -> str:
        return self.record.record_id


_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "herr", "frau"})
_GENERATIONS = frozenset({"jr", "sr", "ii", "iii", "iv", "junior", "senior"})
_MIN_PERSONAL_HANDLE = 5  # shorter handles (jdoe, bob1) are chosen by many people
_MAX_SUFFIX_LABEL = 3  # com, co, uk, de, net, org: the labels after the registrable one
_MAX_HANDLE_EXTRA = 2  # what may be left once the names are taken out: initials


def _split_names(first: str | None, last: str | None) -> tuple[str | None, str | None]:
    """Normalised first and last name; a full name typed into one box is split at its last space."""
    first_n, last_n = normalise_name(first), normalise_name(last)
    if first_n:
        words = [word for word in first_n.split() if word not in _HONORIFICS] or first_n.split()
        first_n = " ".join(words)
    if last_n:
        words = [word for word in last_n.split() if word not in _GENERATIONS] or last_n.split()
        last_n = " ".join(words)
    if first_n and not last_n and " " in first_n:
        first_n, last_n = first_n.rsplit(" ", 1)
    elif last_n and not first_n and " " in last_n:
        first_n, last_n = last_n.split(" ", 1)
    return first_n, last_n


def prepare(record: MatchRecord) -> PreparedRecord:
    """The record's canonical forms. Never raises: a value that cannot be read (an invalid phone number, an email
    without @) is treated as missing."""
    email, local, domain = _email_parts(record.email)
    free_mail = domain is not None and is_free_mail(domain)
    disposable = domain is not None and is_disposable(domain)
    phone = canonical_phone(record.phone, record.country)
    first, last = _split_names(record.first_name, record.last_name)
    formal = formal_first_name(first)
    return PreparedRecord(
        record=record,
        email_canonical=email,
        email_local=local,
        email_domain=domain,
        free_mail=free_mail,
        role_email=email is not None and is_role_address(email.rpartition("@")[0]),
        disposable=disposable,
        phone_e164=phone,
        phone_line=phone_line(phone) if phone else None,
        company_canonical=canonical_company(record.company),
        corporate_domain=domain if domain and not free_mail and not disposable else None,
        first=first,
        last=last,
        first_variants=first_name_variants(first),
        name_spellings=_name_spellings(record, first, last),
        first_code=sound(formal),
        first_sound=sound(first),
        last_code=sound(last),
        city=normalise_name(record.city),
        postcode="".join(record.postcode.split()).lower() if record.postcode else None,
        country=country_code(record.country),
        title=normalise_name(record.title),
    )


_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _name_spellings(record: MatchRecord, first: str | None, last: str | None) -> frozenset[str]:
    """The words of the person's names as an email local part may spell them: folded (muller) and transliterated
    (mueller), with the first name's nicknames."""
    raw = " ".join(name for name in (record.first_name, record.last_name) if name)
    transliterated = normalise_name(raw.lower().translate(_TRANSLITERATION)) or ""
    words = {*transliterated.split(), *(first or "").split(), *(last or "").split(), *first_name_variants(first)}
    return frozenset(word.replace(" ", "") for word in words)


def _email_parts(raw: str | None) -> tuple[str | None, str | None, str | None]:
    """Canonical address (with a misspelt major domain corrected), its local part without separators, its domain."""
    if not raw:
        return None, None, None
    try:
        address = canonical_email(raw)
    except ValueError:
        return None, None, None
    local, _, domain = address.rpartition("@")
    corrected = domain_typo_of(domain)
    if corrected:
        domain = corrected
        address = canonical_email(f"{local}@{domain}")
        local = address.rpartition("@")[0]
    handle = "".join(char for char in local if char.isalnum()) or local
    return address, handle, domain


# --- blocking -------------------------------------------------------------------------------------------------------


def blocking_keys(p: PreparedRecord) -> list[str]:
    """The keys under which a record is indexed and looked up; two records are compared when they share one.

    A key is about one person or one line, never a whole company, name or surname: a name key is paired with a
    company, a domain or a postcode. Name codes come from both name fields and are used one at a time,
    so a first and last name typed in each other's boxes, or a typo that changes one name's code, still meet.
    Keys, most selective first: `e:` canonical email (with a name code for a team mailbox), `p:` E.164 phone (a
    lookup bounded by the caller: a switchboard's block is cut short, and its people meet through their company
    instead), `c:` company (or, without one, the corporate domain's name) and name code, `l:` an email handle that is
    not just the person's name (so a reused handle meets across domains), `d:` corporate domain and name code when
    the domain does not already name the company, `z:` postcode and name code; the first MAX_BLOCKING_KEYS of them.
    A name code is the metaphone of the last name, or of the first name's formal form (Bill -> william)."""
    codes = sorted({code for code in (p.last_code, p.first_code) if code})
    keys: list[str] = []
    if p.email_canonical:
        if p.role_email:
            keys += [f"e:{p.email_canonical}:{code}" for code in codes]
        else:
            keys.append(f"e:{p.email_canonical}")
    if p.phone_e164:
        keys.append(f"p:{p.phone_e164}")
    company = p.company_canonical or domain_label(p.corporate_domain)  # acme.com meets "Acme" on a gmail record
    if company:
        keys += [f"c:{company}:{code}" for code in codes]
    if p.email_local and not p.role_email and _is_personal_handle(p):
        keys.append(f"l:{p.email_local}")
    if p.corporate_domain and (company or "").replace(" ", "") != domain_label(p.corporate_domain):
        keys += [f"d:{p.corporate_domain}:{code}" for code in codes]
    if p.postcode:
        keys += [f"z:{p.postcode}:{code}" for code in codes]
    # Each key is one query when a lead arrives: the first MAX_BLOCKING_KEYS, most selective first, are plenty
    # (a record with all of these also meets its duplicates through the ones kept).
    return keys[:MAX_BLOCKING_KEYS]


MAX_BLOCKING_KEYS = 6


def _is_personal_handle(p: PreparedRecord) -> bool:
    """An email local part distinctive enough to be one person's across domains: not just their name or initials."""
    handle = p.email_local or ""
    if len(handle) < _MIN_PERSONAL_HANDLE:
        return False
    return not is_name_handle(handle, p)


def sound(name: str | None) -> str:
    """The metaphone code of a name with its spaces removed (`van der Berg` and `Vanderberg` sound alike)."""
    return jellyfish.metaphone(name.replace(" ", "")) if name else ""


def domain_label(domain: str | None) -> str | None:
    """The registrable label of a domain, for comparison with a company name: `mail.acme.co.uk` -> `acme`."""
    if not domain:
        return None
    labels = domain.split(".")
    while len(labels) > 1 and len(labels[-1]) <= _MAX_SUFFIX_LABEL:
        labels.pop()  # com, co, uk, de, net, org ...
    return labels[-1]


def is_name_handle(handle: str, p: PreparedRecord) -> bool:
    """True when an email local part is made of the person's names or initials only (johnsmith, jsmith, smithj):
    a namesake has the same one at another domain."""
    rest = handle
    for name in sorted(p.name_spellings, key=len, reverse=True):
        if len(name) > 1:
            rest = rest.replace(name, "")
    return len(rest) <= _MAX_HANDLE_EXTRA and not any(char.isdigit() for char in rest)
