"""A labelled lead export in the style of Febrl's person records, for the dedupe benchmark: originals, each with up
to five duplicates made from it by a few random corruptions, plus the look-alikes that make precision matter.

    generate(records, seed) -> list[LabelledRecord]   (the type of tests/bench/dedupe_data.py)

People (tests/bench/dedupe_leads_people.py) live in Australia, the US, the UK or Germany, with a work address at
their company's domain (first.last, flast, first, firstl ...) or a personal one at a free-mail domain, mostly a
mobile (some give the office switchboard or a home landline), a company, a title and an office or home address.
About half of them have two or more records (dedupe_data.CLUSTER_SIZES).

What ties a person's records together (the story, one per person with duplicates):
  steady         every duplicate is written from the same address, but some lose it: a slip in the handle
                 (jsmtih@acme.com), or no email and no phone, leaving name + company and address (with typos);
  job_change     from one duplicate on, a new company, title and work address at the new domain; the person keeps
                 their mobile (or wrote from their personal address all along), so the records stay linkable;
  two_addresses  the work address one day, the personal one (or the team's info@) the next; the mobile on all;
  phone_first    duplicates without an email (or with the other address), the same phone, a misspelt or swapped
                 name.
Each duplicate also goes through one to four corruptions: typos in names, company and city (insert, delete,
keyboard neighbour, transpose), first and last name swapped, a nickname, a field left empty, names or email in
another case, a +tag, a display-name address ("Zane Wilkins" <WILKINS.ZANE@PRIMBEE.IO>), Gmail dots, a title
changed; every phone is retyped in one of the ways people write it (61287918563, +61287918563, (02) 8791 8563,
02-8791-8563, 0061 2 8791 8563, an extension on a switchboard).

Every true pair is linkable by what a careful reader would accept (link() below): the same address (not a team
mailbox), the same mobile (or the same fixed line under the same name), a one-slip handle at the same domain
under the same name, or the same name with the same company or postcode and city, typos allowed. A duplicate
that would break that with any earlier record of its person is drawn again, so no pair rests on a name alone.
With 5,000 records (seeds 1-3) 57-61% of true pairs share the canonical email, 20-21% only the phone (E.164), the
other 19-22% a handle or name + company/address.

Look-alikes (different people): namesakes at other companies, colleagues on one switchboard, colleagues writing
from one team mailbox (info@), family members sharing a surname, a home postcode and the landline.

Tags on every record name the person's relations and story, what links a duplicate to its original (via_*), the
email and phone kind, the phone style and the corruptions applied, so that a quality run can say where its errors
are."""

from __future__ import annotations

import contextlib
import itertools
import random
from dataclasses import dataclass, field, replace

from leadflow.domain.identity import (
    canonical_company,
    canonical_email,
    canonical_phone,
    first_name_variants,
    is_role_address,
    normalise_name,
    phone_line,
)
from leadflow.domain.matching import MatchRecord
from rapidfuzz.distance import DamerauLevenshtein

from tests.bench import dedupe_names as names
from tests.bench.dedupe_data import CLUSTER_SIZES, PLUS_TAGS, LabelledRecord, Typist
from tests.bench.dedupe_leads_people import LEGAL_FORMS, SPELLINGS, LeadPeople, Person, phone_text
from tests.bench.dedupe_people import weighted

STORIES = (("steady", 63), ("job_change", 12), ("two_addresses", 10), ("phone_first", 15))
STEADY_CHANNELS = (("email", 75), ("handle", 8), ("name_company", 17))
CORRUPTION_COUNTS = ((1, 35), (2, 35), (3, 20), (4, 10))
ATTEMPTS = 40  # draws of one duplicate before it falls back to a clean copy (none is needed with seeds 1-3)
NAME_CORRUPTIONS = ("typo_first", "typo_last", "swapped", "nickname")
EXCLUSIVE = {"swapped": ("no_first_name",), "no_first_name": ("swapped",)}  # a given name alone in the last box


@dataclass
class Draft:
    """What one record states before it is typed: the person's details at the time, and which of them it gives."""

    first: str
    last: str
    email: str | None
    phone: str | None
    company: str | None
    title: str | None
    city: str | None
    state: str | None
    postcode: str | None
    country: str
    tags: list[str] = field(default_factory=list)


def generate(records: int, seed: int) -> list[LabelledRecord]:
    """Exactly `records` labelled records, shuffled, ids r00001...; the same records for the same seed."""
    rng = random.Random(seed)
    people = LeadPeople(rng)
    clusters = (f"L{number:05d}" for number in itertools.count(1))
    out: list[LabelledRecord] = []
    while len(out) < records:
        for person in people.group(clusters):
            out.extend(_records_of(rng, people, person))
    rng.shuffle(out)
    return [
        replace(item, record=item.record.model_copy(update={"record_id": f"r{index:05d}"}))
        for index, item in enumerate(out[:records], start=1)
    ]


def _records_of(rng: random.Random, people: LeadPeople, person: Person) -> list[LabelledRecord]:
    """The person's original record, then their duplicates, oldest first."""
    count = weighted(rng, CLUSTER_SIZES)
    story = _story(rng, person) if count > 1 else "single"
    change_at = rng.randrange(1, count) if story == "job_change" else None
    base = [*person.tags, story]
    phone_bound = story in {"job_change", "two_addresses", "phone_first"}  # the phone links the records
    email_kind = "other" if person.team_mailbox and rng.random() < 0.5 else "usual"  # info@ for half of them
    for _ in range(ATTEMPTS):  # an original as typed: clean, but its phone readable when the phone is what links
        draft = _draft(person, email_kind, [*base, "original"])
        original = _typed(rng, person, draft, ())
        if not phone_bound or canonical_phone(original.phone, original.country) == person.phone:
            break
    out = [LabelledRecord(person.cluster, original, tuple(draft.tags))]
    for index in range(1, count):
        if index == change_at:
            _change_job(people, person)
            base.append("after_job_change")
        out.append(_duplicate(rng, person, story, base, out, phone_bound=phone_bound))
    return out


def _story(rng: random.Random, person: Person) -> str:
    stories = dict(STORIES)
    has_mobile = person.phone_kind == "mobile" and person.mobile is not None
    if (not has_mobile and person.work_email) or person.employer is None:
        stories.pop("job_change")  # a job change would leave nothing to link the records by
    if not (person.phone and person.work_email and (person.personal_email or person.team_mailbox)):
        stories.pop("two_addresses")
    if not person.phone:
        stories.pop("phone_first")
    if person.team_mailbox and "two_addresses" in stories:
        return "two_addresses"  # the team mailbox is their other address
    return weighted(rng, list(stories.items()))


def _change_job(people: LeadPeople, person: Person) -> None:
    """A new employer, title and work address; the personal address (when it is the one given) stays."""
    old = person.employer
    assert old is not None
    personal_only, old_title = person.work_email is None, person.title
    people.join(person, people.employer(person.country, other_than=old))
    while person.title is None or person.title == old_title:
        person.title = people.rng.choice(names.TITLES)
    if personal_only:
        person.work_email = None


def _draft(person: Person, email_kind: str, tags: list[str]) -> Draft:
    employer = person.employer
    city, postcode = (employer.city, employer.postcode) if person.works_address and employer else person.home
    email = person.email
    if email_kind == "other":  # the team's mailbox for those who use one, else the personal address
        email = f"info@{employer.domain}" if person.team_mailbox and employer else person.personal_email
    draft = Draft(
        person.first,
        person.last,
        email,
        person.phone,
        employer.name if employer else None,
        person.title,
        city.name,
        city.state,
        postcode,
        person.country,
        [*tags, "office_address" if person.works_address and employer else "home_address"],
    )
    if email:
        kind = "team_mailbox_email" if email.startswith("info@") else "work_email" if email == person.work_email else ""
        draft.tags.append(kind or "personal_email")
    if person.phone:
        draft.tags.append(person.phone_kind)
    return draft


def _duplicate(
    rng: random.Random,
    person: Person,
    story: str,
    base: list[str],
    prior: list[LabelledRecord],
    *,
    phone_bound: bool,
) -> LabelledRecord:
    """A duplicate linkable to every earlier record of the person (and with a readable phone when the phone is what
    links them), drawn again until it is."""
    for _ in range(ATTEMPTS):
        channel = weighted(rng, STEADY_CHANNELS) if story == "steady" else story
        email_kind = "other" if story == "two_addresses" and rng.random() < 0.5 else "usual"
        draft = _draft(person, email_kind, base)
        forced: tuple[str, ...] = ()
        if draft.phone and ((channel == "email" and rng.random() < 0.4) or channel in {"handle", "name_company"}):
            draft.phone = None
            draft.tags.append("no_phone")
        if channel == "name_company":
            draft.email = None
            draft.tags.append("no_email")
        elif channel == "phone_first":
            forced = (rng.choice([kind for kind in NAME_CORRUPTIONS if kind != "nickname" or person.nickname]),)
            other = person.personal_email if draft.email == person.work_email else person.work_email
            draft.email = other if other and rng.random() < 0.3 else None
            draft.tags.append("other_email" if draft.email else "no_email")
        elif channel == "handle" and draft.email:
            draft.email = _handle_slip(rng, draft.email)
            draft.tags.append("handle_typo")
        record = _typed(rng, person, draft, _corruptions(rng, person, draft, channel, forced))
        links = [link(record, earlier.record) for earlier in prior]
        readable = not phone_bound or canonical_phone(record.phone, record.country) == person.phone
        if all(links) and readable:
            return LabelledRecord(person.cluster, record, (*draft.tags, f"via_{links[0]}"))
    draft = _draft(person, "usual", [*base, "fallback"])
    return LabelledRecord(person.cluster, _typed(rng, person, draft, ()), tuple(draft.tags))


def _handle_slip(rng: random.Random, address: str) -> str:
    local, _, domain = address.partition("@")
    typist = Typist(rng)
    for _ in range(10):
        slipped = typist.typo(local)
        if slipped != local and "." not in slipped[-1:] and slipped.count(".") == local.count("."):
            return f"{slipped}@{domain}"
    return address


def _corruptions(
    rng: random.Random, person: Person, draft: Draft, channel: str, forced: tuple[str, ...]
) -> tuple[str, ...]:
    """One to four corruptions, different from each other, of those that apply to the draft."""
    menu = [("typo_first", 10), ("typo_last", 10), ("swapped", 5), ("names_lower", 4), ("names_upper", 2)]
    menu += [("typo_company", 5), ("typo_city", 4), ("no_title", 5), ("title_change", 4), ("no_state", 2)]
    menu += [("no_country", 2)] + ([("nickname", 10)] if person.nickname else [])
    if channel != "name_company":  # name + company and address is all that link these: keep those
        menu += [("no_first_name", 2), ("no_company", 5), ("no_city", 4), ("no_postcode", 4)]
    if draft.email:
        menu += [("email_upper", 6), ("email_mixed_case", 4), ("plus_tag", 5), ("display_name", 5)]
        menu += [("gmail_dots", 8)] if draft.email.endswith("@gmail.com") else []
    if draft.phone and person.phone_kind == "switchboard":
        menu += [("phone_extension", 6)]
    chosen = list(forced)
    for _ in range(weighted(rng, CORRUPTION_COUNTS) - len(chosen)):
        ruled_out = {*chosen, *(other for kind in chosen for other in EXCLUSIVE.get(kind, ()))}
        options = [(kind, weight) for kind, weight in menu if kind not in ruled_out]
        chosen.append(weighted(rng, options))
    return tuple(chosen)


def _typed(rng: random.Random, person: Person, draft: Draft, kinds: tuple[str, ...]) -> MatchRecord:
    """The draft as typed into the form with the given corruptions; their names are added to the draft's tags."""
    typist, tags = Typist(rng), draft.tags

    def slip(kind: str, text: str | None) -> str | None:
        if kind not in kinds or not text:
            return text
        slipped = typist.typo(text)
        tags.extend([kind] if slipped != text else [])
        return slipped

    first: str | None = person.nickname if "nickname" in kinds and person.nickname else draft.first
    tags.extend(kind for kind in ("nickname", "swapped", "names_lower", "names_upper") if kind in kinds)
    first, last = slip("typo_first", first), slip("typo_last", draft.last)
    if "swapped" in kinds:
        first, last = last, first
    if "no_first_name" in kinds:
        first = None
    if "names_lower" in kinds or "names_upper" in kinds:
        change = str.lower if "names_lower" in kinds else str.upper
        first, last = (change(first) if first else None), (change(last) if last else None)
    phone = None
    if draft.phone:
        phone, style = phone_text(rng, draft.phone, extension="phone_extension" in kinds)
        tags.append(f"phone_{style}")
    company = draft.company
    if company and rng.random() < 0.4:
        company = f"{company}{',' if rng.random() < 0.2 else ''} {rng.choice(LEGAL_FORMS[person.country])}"
    title = draft.title
    if "title_change" in kinds and title:
        title = rng.choice(names.TITLE_VARIANTS.get(title) or names.TITLES)
        tags.extend(["title_change"] if title != draft.title else [])
    for kind in ("no_title", "no_company", "no_city", "no_postcode", "no_state", "no_country", "no_first_name"):
        tags.extend([kind] if kind in kinds else [])
    return MatchRecord(
        record_id="",
        first_name=first,
        last_name=last,
        email=_email_text(rng, person, draft.email, kinds, tags) if draft.email else None,
        phone=phone,
        company=None if "no_company" in kinds else slip("typo_company", company),
        title=None if "no_title" in kinds else title,
        city=None if "no_city" in kinds else slip("typo_city", draft.city),
        state=None if "no_state" in kinds else draft.state,
        postcode=None if "no_postcode" in kinds else draft.postcode,
        country=None if "no_country" in kinds else rng.choice(SPELLINGS[draft.country]),
    )


def _email_text(rng: random.Random, person: Person, address: str, kinds: tuple[str, ...], tags: list[str]) -> str:
    local, _, domain = address.partition("@")
    if "gmail_dots" in kinds and len(local) > 3:
        local = local.replace(".", "") if "." in local else f"{local[:3]}.{local[3:]}"
    if "plus_tag" in kinds:
        local = f"{local}+{rng.choice(PLUS_TAGS)}"
    text = f"{local}@{domain}"
    if "email_upper" in kinds or "email_mixed_case" in kinds:
        text = text.upper() if "email_upper" in kinds else text.title()
    if "display_name" in kinds:
        name = f"{person.first} {person.last}"
        text = f'"{name}" <{text}>' if rng.random() < 0.6 else f"{name} <{text}>"
    tags.extend(
        kind for kind in ("gmail_dots", "plus_tag", "email_upper", "email_mixed_case", "display_name") if kind in kinds
    )
    return text


# --- what links two records of one person -----------------------------------------------------------------------


def link(a: MatchRecord, b: MatchRecord) -> str | None:
    """What a careful reader would accept as showing that two records are one person, or None: the same address
    (not a team mailbox), the same mobile or the same fixed line under the same name, a one-slip handle at the same
    domain under the same name, the same name with the same company, or with the same postcode and city."""
    email_a, email_b = _personal_address(a.email), _personal_address(b.email)
    if email_a and email_a == email_b:
        return "email"
    phone_a, phone_b = canonical_phone(a.phone, a.country), canonical_phone(b.phone, b.country)
    same_name = _same_name(a, b)
    if phone_a and phone_a == phone_b and (same_name or phone_line(phone_a) == "mobile"):
        return "phone"
    if not same_name:
        return None
    if email_a and email_b and _one_slip_handle(email_a, email_b):
        return "handle"
    if _alike(canonical_company(a.company), canonical_company(b.company)):
        return "name_company"
    if a.postcode and a.postcode == b.postcode and _alike(normalise_name(a.city), normalise_name(b.city)):
        return "name_address"
    return None


def _personal_address(raw: str | None) -> str | None:
    """The canonical address when it is one person's (not info@ and the like)."""
    if not raw:
        return None
    with contextlib.suppress(ValueError):
        address = canonical_email(raw)
        return None if is_role_address(address.partition("@")[0]) else address
    return None


def _one_slip_handle(x: str, y: str) -> bool:
    (local_x, _, domain_x), (local_y, _, domain_y) = x.partition("@"), y.partition("@")
    return domain_x == domain_y and min(len(local_x), len(local_y)) >= 5 and _slips(local_x, local_y) <= 1


def _slips(x: str, y: str) -> int:
    return int(DamerauLevenshtein.distance(x, y))


def _alike(x: str | None, y: str | None) -> bool:
    """Equal, or a slip apart (two in a long word): what typing the same word twice produces."""
    if not x or not y:
        return False
    allowed = 0 if min(len(x), len(y)) < 4 else 1 if min(len(x), len(y)) < 8 else 2
    return _slips(x, y) <= allowed


def _same_name(a: MatchRecord, b: MatchRecord) -> bool:
    """Both last names there and alike, and the first names alike, nicknames of one name, or one of them missing;
    when all four names are there, they may be the wrong way round in either record."""
    first_a, last_a = normalise_name(a.first_name), normalise_name(a.last_name)
    first_b, last_b = normalise_name(b.first_name), normalise_name(b.last_name)
    if _alike(last_a, last_b) and (not first_a or not first_b or _given_alike(first_a, first_b)):
        return True
    return _given_alike(first_a, last_b) and _given_alike(last_a, first_b)


def _given_alike(x: str | None, y: str | None) -> bool:
    return bool(x and y) and (_alike(x, y) or y in first_name_variants(x) or x in first_name_variants(y))
