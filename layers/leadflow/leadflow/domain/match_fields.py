"""How alike two prepared lead records are, field by field: the agreement level of each field for the matcher.

Each function returns the level found (`exact`, `nickname`, `different`, ... or `missing` when either side has no
value) and a similarity in 0..1 for people reading the evidence; leadflow.domain.matching turns levels into
weights. Thresholds here are deliberately strict on short strings, where one letter makes another name
(Mark/Mary, Dan/Dana)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from leadflow.domain.identity import first_name_variants
from leadflow.domain.match_record import PreparedRecord, domain_label, is_name_handle, sound

MISSING = "missing"
_SEPARATORS = re.compile(r"[._-]")
SOUNDALIKE_SIMILARITY = 0.8  # names that sound alike are similar only when spelled this alike too
LONG_LAST_NAME = 8  # a last name this long is still similar two slips apart
LONG_LAST_NAME_SLIPS = 2
MIN_SHARED_LOCAL_PART = 3  # a shorter local part is too short to tell anything
COMPANY_SIMILARITY = 0.9
MIN_COMPANY_LENGTH = 4  # shorter names are compared exactly: one letter makes another company
TITLE_SIMILARITY = 0.85


@dataclass(frozen=True, slots=True)
class FieldLevel:
    field: str
    a_value: str | None
    b_value: str | None
    similarity: float
    level: str


def _local_slip(x: str, y: str) -> bool:
    """Two local parts at one domain that differ by a typing slip, not by the mark of a second person: a company
    tells namesakes apart by a number (jsmith2) or a middle initial (john.a.smith), never by a typo."""
    if [char for char in x if char.isdigit()] != [char for char in y if char.isdigit()]:
        return False
    x_words, y_words = _SEPARATORS.split(x), _SEPARATORS.split(y)
    initials = [word for word in (*x_words, *y_words) if len(word) == 1]
    if len(x_words) != len(y_words) and initials:
        return False
    return _one_slip(_SEPARATORS.sub("", x), _SEPARATORS.sub("", y), min_length=5)


def _one_slip(x: str, y: str, min_length: int) -> bool:
    """One typing slip apart: one letter wrong, missing, extra, or two neighbours swapped (any length for a swap)."""
    if DamerauLevenshtein.distance(x, y, score_cutoff=1) > 1:
        return False
    return min(len(x), len(y)) >= min_length or sorted(x) == sorted(y)


# --- names ----------------------------------------------------------------------------------------------------------

AGREE = frozenset({"exact", "nickname", "similar", "partial"})
DISAGREE = frozenset({"different", "one_edit"})


def compare_names(a: PreparedRecord, b: PreparedRecord) -> list[FieldLevel]:
    """First and last names; crossed over (one record's first name against the other's last) when that makes them
    agree, since a name typed in the other box is a common slip, and then a `name_order` level says so."""
    straight = [
        _first_name(_given(a), _given(b)),
        _last_name(a.last, b.last, a.last_code, b.last_code),
    ]
    if not any(item.level in DISAGREE for item in straight):
        return straight
    b_swapped = [  # b's last-name box holds the given name
        _first_name(_given(a), _last_as_given(b)),
        _last_name(a.last, b.first, a.last_code, sound(b.first)),
    ]
    a_swapped = [
        _first_name(_last_as_given(a), _given(b)),
        _last_name(a.first, b.last, sound(a.first), b.last_code),
    ]
    for crossed in (b_swapped, a_swapped):
        if not any(item.level in DISAGREE for item in crossed) and any(item.level in AGREE for item in crossed):
            order = FieldLevel("name_order", _full(a.first, a.last), _full(b.first, b.last), 1.0, "swapped")
            return [*crossed, order]
    return straight


def _full(first: str | None, last: str | None) -> str:
    return " ".join(name for name in (first, last) if name)


class _Given(NamedTuple):
    """One side's given name, with the nicknames it answers to and how it sounds."""

    name: str | None
    variants: frozenset[str]
    sound: str


def _given(record: PreparedRecord) -> _Given:
    return _Given(record.first, record.first_variants, record.first_sound)


def _last_as_given(record: PreparedRecord) -> _Given:
    """The last-name box read as a given name, for a name typed in the wrong box."""
    return _Given(record.last, first_name_variants(record.last), sound(record.last))


def _first_name(a: _Given, b: _Given) -> FieldLevel:
    x, y, x_variants, y_variants, x_sound, y_sound = a.name, b.name, a.variants, b.variants, a.sound, b.sound
    if not x or not y:
        return FieldLevel("first_name", x, y, 0.0, MISSING)
    similarity = JaroWinkler.similarity(x, y)
    if x == y:
        level = "exact"
    elif y in x_variants or x in y_variants:
        level = "nickname"
    elif len(x) == 1 or len(y) == 1:
        level = "initial" if x[0] == y[0] else "different"
    elif (x_sound == y_sound and similarity >= SOUNDALIKE_SIMILARITY) or _one_slip(x, y, min_length=5):
        level = "similar"  # Jon/John, Marc/Mark, Micheal/Michael
    elif min(_edits(x, y_variants), _edits(y, x_variants)) <= 1:
        level = "one_edit"  # a typo, or a typo of a nickname (Tomny, Tommy, Thomas); or another name (Dan, Dana)
    else:
        level = "different"
    return FieldLevel("first_name", x, y, similarity, level)


def _edits(name: str, variants: frozenset[str]) -> int:
    """The fewest typing slips from `name` to one of `variants` (2 meaning two or more)."""
    return min((DamerauLevenshtein.distance(name, variant, score_cutoff=2) for variant in variants), default=2)


def _last_name(x: str | None, y: str | None, x_sound: str, y_sound: str) -> FieldLevel:
    if not x or not y:
        return FieldLevel("last_name", x, y, 0.0, MISSING)
    similarity = JaroWinkler.similarity(x, y)
    x_compact, y_compact = x.replace(" ", ""), y.replace(" ", "")
    if x_compact == y_compact:
        level = "exact"
    elif (x_sound == y_sound and similarity >= SOUNDALIKE_SIMILARITY) or _one_slip(x_compact, y_compact, min_length=5):
        level = "similar"  # Smith/Smyth, Meyer/Meier, Wilson/Wison
    elif (
        min(len(x_compact), len(y_compact)) >= LONG_LAST_NAME
        and DamerauLevenshtein.distance(x_compact, y_compact) <= LONG_LAST_NAME_SLIPS
    ):
        level = "similar"
    elif set(x.split()) < set(y.split()) or set(y.split()) < set(x.split()):
        level = "partial"  # a double-barrelled name and one of its halves
    else:
        level = _one_edit_or_different(x_compact, y_compact)
    return FieldLevel("last_name", x, y, similarity, level)


def _one_edit_or_different(x: str, y: str) -> str:
    """Short names one letter apart are a typo as often as another name (Ryan/Rtan, but Mark/Mary, Dan/Dana)."""
    return "one_edit" if DamerauLevenshtein.distance(x, y, score_cutoff=1) <= 1 else "different"


# --- contact details ------------------------------------------------------------------------------------------------


def compare_email(a: PreparedRecord, b: PreparedRecord) -> FieldLevel:
    x, y = a.email_canonical, b.email_canonical
    if not x or not y or not a.email_local or not b.email_local:
        return FieldLevel("email", x, y, 0.0, MISSING)
    if x == y:
        return FieldLevel("email", x, y, 1.0, "exact_shared_mailbox" if a.role_email else "exact")
    similarity = JaroWinkler.similarity(x, y)
    if a.role_email or b.role_email:
        return FieldLevel("email", x, y, similarity, "team_mailbox")  # info@ is nobody's own address
    if a.email_local == b.email_local and len(a.email_local) >= MIN_SHARED_LOCAL_PART:
        # Work addresses follow the employer's pattern, so the same one at two employers is a namesake's as often as
        # not; a handle the person chose, reused on a personal mailbox, is theirs.
        name_like = is_name_handle(a.email_local, a) or is_name_handle(b.email_local, b)
        chosen = not name_like and (a.free_mail or b.free_mail)
        return FieldLevel("email", x, y, similarity, "same_handle" if chosen else "same_name_handle")
    if a.email_domain == b.email_domain:
        if _local_slip(x.rpartition("@")[0], y.rpartition("@")[0]):
            return FieldLevel("email", x, y, similarity, "similar")  # a typo in the local part
        if a.corporate_domain:
            return FieldLevel("email", x, y, similarity, "different_same_domain")
    return FieldLevel("email", x, y, similarity, "different")


def compare_phone(a: PreparedRecord, b: PreparedRecord) -> FieldLevel:
    x, y = a.phone_e164, b.phone_e164
    if not x or not y:
        return FieldLevel("phone", x, y, 0.0, MISSING)
    if x == y:
        level = {"mobile": "exact_mobile", "fixed": "exact_fixed"}.get(a.phone_line or "", "exact")
        return FieldLevel("phone", x, y, 1.0, level)
    similarity = 1.0 - DamerauLevenshtein.normalized_distance(x, y)
    slip = len(x) == len(y) and x[:4] == y[:4] and DamerauLevenshtein.distance(x, y, score_cutoff=1) <= 1
    return FieldLevel("phone", x, y, similarity, "similar" if slip else "different")


# --- company, place, title ------------------------------------------------------------------------------------------


def compare_company(a: PreparedRecord, b: PreparedRecord) -> FieldLevel:
    """Company names, then corporate email domains, then one side's name against the other's domain."""
    x, y = a.company_canonical, b.company_canonical
    shown_x, shown_y = x or a.corporate_domain, y or b.corporate_domain
    if x and y:
        if x == y or x.replace(" ", "") == y.replace(" ", ""):
            return FieldLevel("company", x, y, 1.0, "exact")
        similarity = fuzz.token_set_ratio(x, y) / 100
        if similarity >= COMPANY_SIMILARITY and min(len(x), len(y)) >= MIN_COMPANY_LENGTH:
            return FieldLevel("company", x, y, similarity, "similar")
    if a.corporate_domain and a.corporate_domain == b.corporate_domain:
        return FieldLevel("company", a.corporate_domain, b.corporate_domain, 1.0, "same_domain")
    if _name_is_domain(x, b.corporate_domain) or _name_is_domain(y, a.corporate_domain):
        return FieldLevel("company", shown_x, shown_y, 1.0, "name_matches_domain")
    if (x and y) or (a.corporate_domain and b.corporate_domain):
        similarity = fuzz.token_set_ratio(shown_x or "", shown_y or "") / 100
        return FieldLevel("company", shown_x, shown_y, similarity, "different")
    return FieldLevel("company", shown_x, shown_y, 0.0, MISSING)


def _name_is_domain(name: str | None, domain: str | None) -> bool:
    label = domain_label(domain)
    return bool(name and label and name.replace(" ", "") == label)


def compare_location(a: PreparedRecord, b: PreparedRecord) -> FieldLevel:
    if a.country and b.country and a.country != b.country:
        return FieldLevel("location", a.country, b.country, 0.0, "different_country")
    if a.postcode and b.postcode:
        if a.postcode == b.postcode:
            return FieldLevel("location", a.postcode, b.postcode, 1.0, "same_postcode")
        same_city = bool(a.city and a.city == b.city)
        return FieldLevel("location", a.postcode, b.postcode, 0.5 if same_city else 0.0, _city_level(same_city))
    if a.city and b.city:
        similarity = JaroWinkler.similarity(a.city, b.city)
        return FieldLevel("location", a.city, b.city, similarity, _city_level(a.city == b.city))
    return FieldLevel("location", a.city or a.postcode, b.city or b.postcode, 0.0, MISSING)


def _city_level(same_city: bool) -> str:
    return "same_city" if same_city else "different"


def compare_title(a: PreparedRecord, b: PreparedRecord) -> FieldLevel:
    x, y = a.title, b.title
    if not x or not y:
        return FieldLevel("title", x, y, 0.0, MISSING)
    if x == y:
        return FieldLevel("title", x, y, 1.0, "exact")
    similarity = fuzz.token_set_ratio(x, y) / 100
    return FieldLevel("title", x, y, similarity, "similar" if similarity >= TITLE_SIMILARITY else "different")
