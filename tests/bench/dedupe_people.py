"""The synthetic population behind the dedupe benchmark's records (tests/bench/dedupe_data.py): companies with
their domains, offices and switchboards, and people with their jobs, nicknames, homes and phone numbers as
people type them."""

from __future__ import annotations

import csv
import itertools
import random
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from typing import TypeVar

import phonenumbers
from leadflow.domain.identity import LEGAL_SUFFIXES, canonical_email, fold, normalise_name

from tests.bench import dedupe_names as names
from tests.bench.dedupe_names import City

COUNTRY_WEIGHTS = {"US": 0.6, "GB": 0.2, "DE": 0.2}
COUNTRY_SPELLINGS = {
    "US": ("US", "USA", "United States", "United States of America", "us", "U.S."),
    "GB": ("UK", "United Kingdom", "GB", "England", "Great Britain", "Scotland"),
    "DE": ("Germany", "DE", "Deutschland", "germany"),
}
FREE_MAIL = {
    "US": (("gmail.com", 45), ("yahoo.com", 14), ("outlook.com", 10), ("hotmail.com", 8), ("icloud.com", 9),
           ("aol.com", 4), ("comcast.net", 3), ("protonmail.com", 2)),
    "GB": (("gmail.com", 40), ("hotmail.co.uk", 15), ("yahoo.co.uk", 10), ("outlook.com", 12), ("btinternet.com", 8),
           ("icloud.com", 8), ("live.co.uk", 4)),
    "DE": (("gmail.com", 30), ("gmx.de", 22), ("web.de", 22), ("t-online.de", 10), ("outlook.de", 6),
           ("yahoo.de", 5), ("posteo.de", 3)),
}  # fmt: skip
FIRST_NAMES = {
    "US": (names.US_MALE, names.US_FEMALE),
    "GB": (names.UK_MALE, names.UK_FEMALE),
    "DE": (names.DE_MALE, names.DE_FEMALE),
}
SURNAMES = {"US": names.US_SURNAMES, "GB": names.UK_SURNAMES, "DE": names.DE_SURNAMES}
CITIES = {"US": names.US_CITIES, "GB": names.UK_CITIES, "DE": names.DE_CITIES}
EMAIL_PATTERNS = (("first.last", 50), ("flast", 18), ("f.last", 10), ("first", 8), ("firstl", 7), ("first_last", 7))


T = TypeVar("T")


@dataclass
class Company:
    name: str
    domain: str
    country: str
    legal_form: str | None
    pattern: str
    offices: dict[str, tuple[City, str]] = field(default_factory=dict)  # country -> (city, switchboard E.164)
    locals: set[str] = field(default_factory=set)


@dataclass
class Job:
    company: Company
    email: str
    title: str | None
    direct_line: str | None
    city: City


@dataclass
class Person:
    cluster: str
    country: str
    female: bool
    first: str
    last: str
    nickname: str | None = None
    jobs: list[Job] = field(default_factory=list)
    personal_email: str | None = None
    mobile: str | None = None
    home: tuple[City, str] | None = None  # city and postcode
    home_phone: str | None = None
    family_email: str | None = None
    married_name: str | None = None
    tags: tuple[str, ...] = ()


def weighted(rng: random.Random, choices: Sequence[tuple[T, float]]) -> T:
    return rng.choices([value for value, _ in choices], [weight for _, weight in choices])[0]


def zipf(rng: random.Random, items: Sequence[str], exponent: float = 0.6) -> str:
    weights = [1 / (rank + 1) ** exponent for rank in range(len(items))]
    return rng.choices(list(items), weights)[0]


def ascii_email_part(name: str) -> str:
    """How a name is spelt in an email address: German umlauts transliterated, other accents folded."""
    text = name.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return "".join(char for char in fold(text) if char.isalnum())


# --- phone numbers ----------------------------------------------------------------------------------------------


def valid_number(rng: random.Random, country: str, national: Callable[[], str]) -> str:
    for _ in range(200):
        number = phonenumbers.parse(national(), country)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise RuntimeError(f"no valid {country} number generated")


def digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def landline(rng: random.Random, country: str, city: City) -> str:
    if country == "US":
        return valid_number(rng, "US", lambda: city.area_code + str(rng.randint(2, 9)) + digits(rng, 6))
    if country == "GB":
        first = "378" if city.area_code == "20" else "23456789"
        rest = 7 if city.area_code == "20" else 6
        return valid_number(rng, "GB", lambda: "0" + city.area_code + rng.choice(first) + digits(rng, rest))
    return valid_number(rng, "DE", lambda: "0" + city.area_code + str(rng.randint(2, 9)) + digits(rng, 6))


def mobile(rng: random.Random, country: str) -> str:
    if country == "US":
        area = rng.choice(names.US_CITIES).area_code
        return valid_number(rng, "US", lambda: area + str(rng.randint(2, 9)) + digits(rng, 6))
    if country == "GB":
        return valid_number(rng, "GB", lambda: "07" + rng.choice("45789") + digits(rng, 8))
    prefixes = ("151", "152", "157", "160", "162", "170", "171", "172", "173", "174", "175", "176", "177", "179")
    return valid_number(rng, "DE", lambda: "0" + rng.choice(prefixes) + digits(rng, rng.choice((7, 8))))


def format_phone(rng: random.Random, e164: str, extension: bool) -> tuple[str, str]:
    """The number as a person types it, and whether it is national (readable only with the country known)."""
    number = phonenumbers.parse(e164, None)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    code, _, rest = international.partition(" ")
    styles = [
        (international, "intl"),
        (e164, "intl"),
        (national, "national"),
        ("00" + code[1:] + " " + rest, "intl"),
        ("".join(char for char in national if char.isdigit()), "national"),
    ]
    if code == "+1":
        styles += [(national.replace("(", "").replace(") ", ".").replace("-", "."), "national")]
        styles += [(f"1-{rest}", "national")]
    else:
        styles += [(f"{code} (0){rest}", "intl"), (national.replace(" ", "/", 1), "national")]
    text, kind = rng.choice(styles)
    if extension:
        text += rng.choice((" x", " ext. ", " ext ", "-")) + str(rng.randint(10, 4999))
    return text, kind


# --- companies --------------------------------------------------------------------------------------------------


def known_companies() -> list[tuple[str, str, str, int]]:
    """(name, domain, country, employees) of the enrichment directory's companies."""
    text = files("leadflow").joinpath("data/company_domains.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return [(row["name"], row["domain"], row["country"], int(row["employees"] or 100)) for row in rows]


class Population:
    """Companies and people, grown one person at a time from one random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.known = [self._company(name, domain, country) for name, domain, country, _ in known_companies()]
        self.known_weights = [employees**0.5 for *_, employees in known_companies()]
        self.small: dict[str, list[Company]] = {}  # by country
        self.personal_locals: set[str] = set()
        self.people: list[Person] = []

    def _company(self, name: str, domain: str, country: str) -> Company:
        forms = names.LEGAL_FORMS.get(country, ("Inc.", "Ltd", "S.A."))
        last_word = (normalise_name(name) or "").rsplit(" ", 1)[-1]
        has_form = last_word in LEGAL_SUFFIXES or "universit" in name.lower()
        legal_form = self.rng.choice(forms) if self.rng.random() < 0.8 and not has_form else None
        return Company(name, domain, country, legal_form, weighted(self.rng, EMAIL_PATTERNS))

    def company(self, country: str, other_than: Company | None = None) -> Company:
        while True:
            if self.rng.random() < 0.55:
                company = self.rng.choices(self.known, self.known_weights)[0]
            elif self.small_in(country) and self.rng.random() < 0.35:
                company = self.rng.choice(self.small_in(country))
            else:
                company = self._small_company(country)
            if company is not other_than:
                return company

    def small_in(self, country: str) -> list[Company]:
        return self.small.setdefault(country, [])

    def _small_company(self, country: str) -> Company:
        rng = self.rng
        word = rng.choice(names.SMALL_COMPANY_WORDS[country])
        first = zipf(rng, SURNAMES[country]) if rng.random() < 0.4 else rng.choice(names.SMALL_COMPANY_PREFIXES)
        name = f"{first} {word}"
        tld = {"US": ".com", "GB": rng.choice((".co.uk", ".com")), "DE": ".de"}[country]
        slug = ascii_email_part(first) + rng.choice(("", "-")) + ascii_email_part(word)
        domain = slug + ("" if rng.random() < 0.8 else rng.choice(("hq", "-group", "online"))) + tld
        company = self._company(name, domain, country)
        company.pattern = weighted(rng, (("first", 30), ("first.last", 35), ("flast", 20), ("firstl", 15)))
        self.small_in(country).append(company)
        return company

    def office(self, company: Company, country: str) -> tuple[City, str]:
        if country not in company.offices:
            city = self.rng.choice(CITIES[country])
            company.offices[country] = (city, landline(self.rng, country, city))
        return company.offices[country]

    # --- people ---

    def person(self, cluster: str) -> Person:
        rng = self.rng
        country = weighted(rng, list(COUNTRY_WEIGHTS.items()))
        female = rng.random() < 0.48
        first = zipf(rng, FIRST_NAMES[country][female])
        last = zipf(rng, SURNAMES[country])
        if rng.random() < 0.08:  # a surname from another country's list
            last = zipf(rng, SURNAMES[rng.choice(sorted(SURNAMES))])
        person = Person(cluster, country, female, first, last)
        self.equip(person)
        return person

    def equip(self, person: Person, company: Company | None = None) -> None:
        """Give a person a job, a mobile, a personal address and a home, each with a realistic chance."""
        rng = self.rng
        person.nickname = self.nickname_for(person.first) if rng.random() < 0.35 else None
        if rng.random() < 0.9:
            person.jobs.append(self.job(person, company or self.company(person.country)))
        if rng.random() < 0.65 or not person.jobs:
            person.personal_email = self.personal_email(person)
        person.mobile = mobile(rng, person.country) if rng.random() < 0.75 else None
        city = rng.choice(CITIES[person.country])
        person.home = (city, rng.choice(city.postcodes))

    def job(self, person: Person, company: Company, *, renamed: bool = False) -> Job:
        rng = self.rng
        city, _ = self.office(company, person.country)
        last = person.married_name if renamed and person.married_name else person.last
        email = f"{self.work_local(person.first, last, company)}@{company.domain}"
        title = rng.choice(names.TITLES) if rng.random() < 0.9 else None
        direct = landline(rng, person.country, city) if rng.random() < 0.3 else None
        return Job(company, email, title, direct, city)

    def work_local(self, first_name: str, last_name: str, company: Company) -> str:
        first, last = ascii_email_part(first_name), ascii_email_part(last_name)
        local = {
            "first.last": f"{first}.{last}",
            "flast": f"{first[0]}{last}",
            "f.last": f"{first[0]}.{last}",
            "first": first,
            "firstl": f"{first}{last[0]}",
            "first_last": f"{first}_{last}",
        }[company.pattern]
        candidate = local
        for attempt in itertools.count(2):
            if candidate not in company.locals:
                break
            middle = self.rng.choice(string.ascii_lowercase)
            candidate = f"{first}.{middle}.{last}" if attempt == 2 and "." in local else f"{local}{attempt}"
        company.locals.add(candidate)
        return candidate

    def personal_email(self, person: Person) -> str:
        rng = self.rng
        first, last = ascii_email_part(person.first), ascii_email_part(person.last)
        nick = ascii_email_part(person.nickname or person.first)
        year = str(rng.randint(1965, 2001))
        style = weighted(
            rng,
            (
                (f"{first}.{last}", 22),
                (f"{first}{last}", 12),
                (f"{first}.{last}{year[2:]}", 14),
                (f"{first[0]}{last}{rng.randint(1, 99)}", 10),
                (f"{nick}{last[0]}{year}", 8),
                (f"{rng.choice(names.HANDLE_WORDS)}{rng.choice(names.HANDLE_WORDS)}{year[2:]}", 20),
                (f"{last}.{first}", 6),
                (f"{nick}.{last}", 8),
            ),
        )
        domain = weighted(rng, FREE_MAIL[person.country])
        local = style
        while canonical_email(f"{local}@{domain}") in self.personal_locals:  # one mailbox per person
            local = f"{style}{rng.randint(1, 999)}"
        self.personal_locals.add(canonical_email(f"{local}@{domain}"))
        return f"{local}@{domain}"

    def nickname_for(self, first: str) -> str | None:
        variants = NICKNAMES.get(first.lower())
        return self.rng.choice(variants).title() if variants else None


def _nicknames() -> dict[str, tuple[str, ...]]:
    """Given name -> the short forms people actually use for it (the first few of its row)."""
    text = files("leadflow").joinpath("data/nicknames.csv").read_text(encoding="utf-8")
    table: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            head, *short = line.strip().split(",")
            table.setdefault(head, tuple(short[:3]))
    return table


NICKNAMES = _nicknames()
