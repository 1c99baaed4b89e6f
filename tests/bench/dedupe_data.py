"""A labelled set of lead records for the dedupe benchmark: people who fill in forms several times, each time a
little differently, and the people who look like them but are not them.

Every record carries the id of the person it belongs to (its cluster) and tags naming the scenario and the
corruptions it went through, so a quality run can say not only how often the matcher is wrong but where.

Same person, several records: emails in another case, with a +tag, with or without Gmail's dots, a misspelt
domain or local part, the work address one day and the personal one the next; phone numbers formatted every way
people type them, national or international, with an extension, sometimes with a wrong digit; nicknames (Bill for
William), typos, first and last name swapped or typed into one box, missing fields; a job change (new company and
work address, same mobile or personal address); a name change on marriage.

Different people who look alike: namesakes (same name, another company, or the same one), colleagues sharing a
company domain and its switchboard number or a team mailbox (info@), family members sharing a surname, a home
address and a landline (a few a family mailbox too)."""

from __future__ import annotations

import csv
import itertools
import random
import zlib
from dataclasses import dataclass, replace
from importlib.resources import files

from leadflow.domain.identity import canonical_email, fold
from leadflow.domain.matching import MatchRecord

from tests.bench import dedupe_names as names
from tests.bench.dedupe_people import (
    CITIES,
    COUNTRY_SPELLINGS,
    FIRST_NAMES,
    FREE_MAIL,
    SURNAMES,
    Job,
    Person,
    Population,
    ascii_email_part,
    format_phone,
    landline,
    weighted,
    zipf,
)

ROLE_LOCALS = ("info", "sales", "marketing", "hello", "contact", "office")
PLUS_TAGS = ("webinar", "news", "leads", "promo", "work", "2024")
KEYBOARD = {
    row[i]: row[max(i - 1, 0)] + row[min(i + 1, len(row) - 1)]
    for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    for i in range(len(row))
}


CLUSTER_SIZES = ((1, 48), (2, 25), (3, 13), (4, 7), (5, 4), (6, 3))


@dataclass(frozen=True)
class LabelledRecord:
    cluster: str
    record: MatchRecord
    tags: tuple[str, ...]


# --- records ----------------------------------------------------------------------------------------------------


class Typist:
    """How one form submission of a person comes out: which details they give and how they type them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def typo(self, text: str) -> str:
        rng = self.rng
        if len(text) < 3:
            return text
        i = rng.randrange(1, len(text) - 1)
        kind = rng.choice(("swap", "drop", "double", "neighbour"))
        if kind == "swap":
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        if kind == "drop":
            return text[:i] + text[i + 1 :]
        if kind == "double":
            return text[:i] + text[i] + text[i:]
        near = KEYBOARD.get(text[i].lower())
        return text[:i] + (rng.choice(near) if near else text[i]) + text[i + 1 :]

    def case(self, text: str, tags: list[str]) -> str:
        roll = self.rng.random()
        if roll < 0.03:
            tags.append("upper_case")
            return text.upper()
        if roll < 0.08:
            tags.append("lower_case")
            return text.lower()
        return text

    def email(self, address: str, tags: list[str]) -> str:
        rng = self.rng
        local, _, domain = address.partition("@")
        if domain == "gmail.com" and rng.random() < 0.3:
            local = local.replace(".", "") if "." in local else ".".join((local[:3], local[3:]))
            tags.append("gmail_dots")
        if rng.random() < 0.05:
            local = f"{local}+{rng.choice(PLUS_TAGS)}"
            tags.append("plus_tag")
        if rng.random() < 0.02:
            local = self.typo(local)
            tags.append("local_typo")
        if rng.random() < 0.02 and domain in TYPO_DOMAINS:
            domain = rng.choice(TYPO_DOMAINS[domain])
            tags.append("domain_typo")
        text = f"{local}@{domain}"
        if rng.random() < 0.12:
            text = text.title() if rng.random() < 0.5 else text.upper()
            tags.append("email_case")
        return text


def _typo_domains() -> dict[str, list[str]]:
    text = files("leadflow").joinpath("data/email_domain_typos.csv").read_text(encoding="utf-8")
    table: dict[str, list[str]] = {}
    for row in csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#")):
        table.setdefault(row["domain"], []).append(row["typo"])
    return table


TYPO_DOMAINS = _typo_domains()


def submission(
    rng: random.Random, person: Person, job: Job | None, name_changed: bool
) -> tuple[dict[str, str | None], list[str]]:
    """One form submission's fields and the tags describing it."""
    typist = Typist(rng)
    tags: list[str] = list(person.tags)
    fields: dict[str, str | None] = {}
    first, last = _names(rng, typist, person, name_changed, tags)
    fields["first_name"], fields["last_name"] = first, last
    fields["email"] = _email(rng, typist, person, job, tags)
    fields["phone"], national = _phone(rng, person, job, tags)
    spelled = rng.choice(COUNTRY_SPELLINGS[person.country])
    fields["country"] = spelled if rng.random() < 0.78 or national else None
    if national and rng.random() < 0.15:
        fields["country"] = None  # a national number with no country: only readable for the US
        tags.append("national_phone_without_country")
    fields["company"] = _company_name(rng, typist, job, person, tags)
    fields["title"] = _title(rng, job)
    _address(rng, person, job, fields, tags)
    return fields, tags


def _names(
    rng: random.Random, typist: Typist, person: Person, name_changed: bool, tags: list[str]
) -> tuple[str | None, str | None]:
    first: str | None = person.first
    last: str | None = person.married_name if name_changed and person.married_name else person.last
    if name_changed and person.married_name:
        tags.append("married_name")
    if person.nickname and rng.random() < 0.45:
        first = person.nickname
        tags.append("nickname")
    if rng.random() < 0.03 and first:
        first = typist.typo(first)
        tags.append("typo_first")
    if rng.random() < 0.03 and last:
        last = typist.typo(last)
        tags.append("typo_last")
    if rng.random() < 0.25 and last and any(char in last for char in "äöüßéñ"):
        last = fold(last).title() if rng.random() < 0.5 else ascii_email_part(last).title()
        tags.append("accents_dropped")
    roll = rng.random()
    if roll < 0.02:
        first, last = last, first
        tags.append("swapped")
    elif roll < 0.035:
        first, last = f"{first} {last}", None
        tags.append("full_name_in_first")
    elif roll < 0.055:
        first = None
        tags.append("no_first_name")
    elif roll < 0.07:
        last = None
        tags.append("no_last_name")
    return (typist.case(first, tags) if first else None), (typist.case(last, tags) if last else None)


def _email(rng: random.Random, typist: Typist, person: Person, job: Job | None, tags: list[str]) -> str | None:
    if rng.random() < 0.02:
        tags.append("no_email")
        return None
    if person.family_email and rng.random() < 0.3:
        tags.append("family_email")
        address = person.family_email
    elif job and rng.random() < 0.012:
        tags.append("role_email")
        address = f"{rng.choice(ROLE_LOCALS)}@{job.company.domain}"
    elif job and (not person.personal_email or rng.random() < 0.7):
        tags.append("work_email")
        address = job.email
    else:
        tags.append("personal_email")
        address = person.personal_email or ""
    text = typist.email(address, tags)
    if rng.random() < 0.02:
        text = f"{person.first} {person.last} <{text}>"
        tags.append("display_name")
    return text


def _phone(rng: random.Random, person: Person, job: Job | None, tags: list[str]) -> tuple[str | None, bool]:
    if rng.random() < 0.45:
        return None, False
    options: list[tuple[str, str, float]] = []
    if person.mobile:
        options.append((person.mobile, "mobile", 6))
    if person.home_phone:
        options.append((person.home_phone, "home_phone", 4))
    if job:
        options.append((job.company.offices[person.country][1], "switchboard", 3))
        if job.direct_line:
            options.append((job.direct_line, "direct_line", 4))
    if not options:
        return None, False
    number, kind, _ = rng.choices(options, [weight for *_, weight in options])[0]
    tags.append(kind)
    if rng.random() < 0.01:
        position = rng.randrange(len(number) - 4, len(number))
        number = number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1 :]
        tags.append("phone_typo")
    text, style = format_phone(rng, number, extension=kind == "switchboard" and rng.random() < 0.3)
    return text, style == "national"


def _company_name(rng: random.Random, typist: Typist, job: Job | None, person: Person, tags: list[str]) -> str | None:
    if job is None:
        return None
    if rng.random() < 0.18:
        tags.append("no_company")
        return None
    company = job.company
    name = company.name
    if company.legal_form and rng.random() < 0.4:
        name = f"{name}{',' if rng.random() < 0.3 else ''} {company.legal_form}"
    if rng.random() < 0.02:
        name = typist.typo(name)
        tags.append("company_typo")
    return name.upper() if rng.random() < 0.03 else name


def _title(rng: random.Random, job: Job | None) -> str | None:
    if job is None or job.title is None or rng.random() < 0.45:
        return None
    variants = names.TITLE_VARIANTS.get(job.title)
    return rng.choice(variants) if variants and rng.random() < 0.3 else job.title


def _address(
    rng: random.Random, person: Person, job: Job | None, fields: dict[str, str | None], tags: list[str]
) -> None:
    if rng.random() < 0.62:
        return
    if job and (not person.home_phone or rng.random() < 0.5):
        city, postcode = job.city, rng.choice(job.city.postcodes)
        if job.company.offices[person.country][0] is city and rng.random() < 0.9:
            postcode = job.city.postcodes[zlib.crc32(job.company.domain.encode()) % len(job.city.postcodes)]
    elif person.home:
        city, postcode = person.home
        tags.append("home_address")
    else:
        return
    fields["city"] = city.name if rng.random() < 0.9 else fold(city.name).title()
    fields["state"] = city.state
    fields["postcode"] = postcode if rng.random() < 0.85 else None


# --- the data set -----------------------------------------------------------------------------------------------


def generate(records: int, seed: int) -> list[LabelledRecord]:
    """About `records` labelled records (exactly that many), in a shuffled order, ids r00001..."""
    rng = random.Random(seed)
    population = Population(rng)
    out: list[LabelledRecord] = []
    clusters = itertools.count(1)
    while len(out) < records:
        person = _next_person(rng, population, f"P{next(clusters):05d}")
        population.people.append(person)
        out.extend(_records_of(rng, population, person))
    rng.shuffle(out)
    return [
        replace(item, record=item.record.model_copy(update={"record_id": f"r{index:05d}"}))
        for index, item in enumerate(out[:records], start=1)
    ]


def _next_person(rng: random.Random, population: Population, cluster: str) -> Person:
    """A new person: mostly independent, some built to look like someone already there."""
    people = population.people
    roll = rng.random()
    if people and roll < 0.05:
        return _namesake(rng, population, rng.choice(people), cluster)
    if people and roll < 0.09:
        return _family_member(rng, population, rng.choice(people), cluster)
    person = population.person(cluster)
    if rng.random() < 0.03:
        person.married_name = zipf(rng, SURNAMES[person.country]) if person.female else None
    return person


def _namesake(rng: random.Random, population: Population, model: Person, cluster: str) -> Person:
    """Someone with the same name as `model`: usually at another company, sometimes at the same one."""
    person = Person(cluster, model.country, model.female, model.first, model.last, tags=("namesake",))
    same_company = model.jobs and rng.random() < 0.15
    population.equip(person, company=model.jobs[0].company if same_company else None)
    if same_company:
        person.tags = ("namesake", "same_company_namesake")
    return person


def _family_member(rng: random.Random, population: Population, model: Person, cluster: str) -> Person:
    """Someone sharing `model`'s surname, home and landline, with another first name."""
    female = rng.random() < 0.6 if not model.female else rng.random() < 0.3
    choices = [name for name in FIRST_NAMES[model.country][female] if name != model.first]
    person = Person(cluster, model.country, female, zipf(rng, choices), model.last, tags=("family",))
    population.equip(person)
    person.home = model.home
    city = model.home[0] if model.home else rng.choice(CITIES[model.country])
    model.home_phone = model.home_phone or landline(rng, model.country, city)
    person.home_phone = model.home_phone
    if rng.random() < 0.05:
        shared = f"the{ascii_email_part(model.last)}s@{weighted(rng, FREE_MAIL[model.country])}"
        while canonical_email(shared) in population.personal_locals:
            shared = shared.replace("@", str(rng.randint(1, 9)) + "@")
        population.personal_locals.add(canonical_email(shared))
        model.family_email = person.family_email = shared
    if "has_family" not in model.tags:
        model.tags = (*model.tags, "has_family")
    return person


def _records_of(rng: random.Random, population: Population, person: Person) -> list[LabelledRecord]:
    """The person's form submissions, oldest first: maybe a job change, or a name change, somewhere between."""
    count = weighted(rng, CLUSTER_SIZES)
    change_at = rng.randrange(1, count) if count > 1 and person.jobs and rng.random() < 0.18 else None
    rename_at = rng.randrange(1, count) if count > 1 and person.married_name else None
    out = []
    moved = renamed = False
    for index in range(count):
        if index == change_at:
            company = population.company(person.country, other_than=person.jobs[-1].company)
            person.jobs.append(population.job(person, company))
            moved = True
        if index == rename_at:
            renamed = True
            if person.jobs and rng.random() < 0.5:  # the work address follows the new name
                person.jobs.append(population.job(person, person.jobs[-1].company, renamed=True))
        job = person.jobs[-1] if person.jobs else None
        fields, tags = submission(rng, person, job, renamed)
        tags += ["after_job_change"] if moved else []
        out.append(LabelledRecord(person.cluster, MatchRecord(record_id="", **fields), tuple(tags)))
    return out
