"""The people behind the lead-export benchmark (tests/bench/dedupe_leads.py): Australian names, places and phone
numbers next to dedupe_people's American, British and German ones; the companies people work at (domain, email
pattern, office and switchboard); and the look-alikes that make precision matter: namesakes at other companies,
colleagues on one switchboard or one team mailbox, a family on one landline at one postcode."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import phonenumbers
from leadflow.domain.identity import canonical_email

from tests.bench import dedupe_names as names
from tests.bench.dedupe_names import City
from tests.bench.dedupe_people import (
    CITIES,
    COUNTRY_SPELLINGS,
    FIRST_NAMES,
    FREE_MAIL,
    NICKNAMES,
    SURNAMES,
    ascii_email_part,
    digits,
    format_phone,
    known_companies,
    landline,
    mobile,
    valid_number,
    weighted,
    zipf,
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


AU_MALE = _words(
    "Jack James Thomas William Joshua Lachlan Oliver Samuel Daniel Benjamin Matthew Ryan Liam Nathan Mitchell Riley "
    "Dylan Ethan Jordan Harrison Cooper Lucas Jayden Blake Connor Harley Toby Callum Hamish Angus Bailey Declan Kane "
    "Brodie Jarrod Darren Craig Shane Wayne Glenn Bruce Trevor Graham Scott Luke Aaron Jacob Isaac Noah Zane"
)
AU_FEMALE = _words(
    "Charlotte Olivia Emily Chloe Sophie Jessica Isabella Mia Ruby Grace Emma Madeline Hannah Georgia Lily Isabelle "
    "Sarah Lauren Amelia Ella Zoe Matilda Jasmine Sienna Tahlia Brooke Kayla Courtney Jade Bianca Danielle Megan "
    "Rebecca Kylie Narelle Tracey Leanne Michelle Belinda Karen Lydia Hollie Alana Phoebe Imogen Abbey"
)
AU_SURNAMES = _words(
    "Smith Jones Williams Brown Wilson Taylor Johnson White Martin Anderson Thompson Nguyen Thomas Walker Harris "
    "Lee Ryan Robinson Kelly King Davis Wright Evans Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis "
    "James Phillips Mitchell Campbell Hughes O'Brien McCarthy Murphy Webb Mason Hathaway Zilm Stubbs Colquhoun "
    "Lillie Pridham Wilkins Hinrichs Sutherland Fraser Gallagher Doyle Byrne Quinn Dwyer Fitzgerald Tran Chen Wang "
    "Papadopoulos Nicolaidis Rossi Russo Costa Ferraro Kowalski Novak Singh Sharma Kaur Greenwood Blackwood "
    "Summers Matthews Davey Pearce Hutchinson Lockyer Kennedy"
)
AU_CITIES = (  # the area code holds the first digit of the local number, so that landlines are valid numbers
    City("Sydney", "NSW", "29", ("2000", "2010", "2060", "2065", "2113", "2150")),
    City("Melbourne", "VIC", "39", ("3000", "3004", "3006", "3121", "3141", "3181")),
    City("Brisbane", "QLD", "73", ("4000", "4006", "4101", "4169")),
    City("Perth", "WA", "89", ("6000", "6005", "6008", "6151")),
    City("Adelaide", "SA", "88", ("5000", "5006", "5067")),
    City("Canberra", "ACT", "26", ("2600", "2601", "2612")),
    City("Hobart", "TAS", "36", ("7000", "7004")),
    City("Newcastle", "NSW", "49", ("2300", "2302")),
)
COUNTRIES = (("AU", 40), ("US", 25), ("GB", 20), ("DE", 15))
FIRST = {**FIRST_NAMES, "AU": (AU_MALE, AU_FEMALE)}
LAST = {**SURNAMES, "AU": AU_SURNAMES}
PLACES = {**CITIES, "AU": AU_CITIES}
MAIL = {**FREE_MAIL, "AU": (("gmail.com", 35), ("bigpond.com", 15), ("outlook.com", 10), ("hotmail.com", 10),
                            ("yahoo.com.au", 10), ("optusnet.com.au", 8), ("icloud.com", 8))}  # fmt: skip
# "AUS" is what many Australian forms put there, though it is no ISO code: a national number beside it is unreadable.
SPELLINGS = {**COUNTRY_SPELLINGS, "AU": ("Australia", "Australia", "Australia", "AU", "AU", "australia", "AUS")}
COMPANY_WORDS = {**names.SMALL_COMPANY_WORDS, "AU": ("Consulting", "Solutions", "Group", "Digital", "Logistics")}
LEGAL_FORMS = {**names.LEGAL_FORMS, "AU": ("Pty Ltd", "Pty. Ltd.", "Pty Limited")}
TLDS = {"AU": (".com.au", ".com.au", ".io"), "US": (".com", ".com", ".io"), "GB": (".co.uk", ".com"), "DE": (".de",)}
WORK_PATTERNS = (("first.last", 40), ("flast", 20), ("first", 12), ("firstl", 12), ("last.first", 8), ("f.last", 8))


def landline_in(rng: random.Random, country: str, city: City) -> str:
    if country == "AU":
        return valid_number(rng, "AU", lambda: "0" + city.area_code + digits(rng, 7))
    return landline(rng, country, city)


def mobile_in(rng: random.Random, country: str) -> str:
    if country == "AU":
        return valid_number(rng, "AU", lambda: "04" + digits(rng, 8))
    return mobile(rng, country)


def phone_text(rng: random.Random, e164: str, extension: bool) -> tuple[str, str]:
    """The number as someone types it, and the style's name: dedupe_people's styles, plus the international
    number without its + (61287918563) and the national one in dashes (02-8791-8563)."""
    roll = rng.random()
    if roll < 0.15:
        text, style = e164[1:], "intl_no_plus"
    elif roll < 0.25:
        national = phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL)
        text, style = re.sub(r"[\s-]+", "-", national.replace("(", "").replace(")", "")), "national_dashes"
    else:
        text, style = format_phone(rng, e164, extension=False)
    if extension:
        text += rng.choice((" x", " ext. ", " ext ", " #")) + str(rng.randint(10, 999))
    return text, style


@dataclass
class Employer:
    """A company's office in one country: every colleague there shares its domain, switchboard and address."""

    name: str
    domain: str
    legal_form: str | None
    pattern: str  # how its work addresses are made: first.last, flast, ...
    city: City
    postcode: str
    switchboard: str  # E.164
    locals: list[str] = field(default_factory=list)  # local parts handed out: a namesake gets john.smith2


@dataclass
class Person:
    """One person as their forms know them: name, job, addresses and numbers; `phone_kind` is the number they give."""

    cluster: str
    country: str
    first: str
    last: str
    nickname: str | None
    employer: Employer | None
    title: str | None
    work_email: str | None
    personal_email: str | None
    mobile: str | None
    home: tuple[City, str]  # city and postcode
    landline: str | None = None
    phone_kind: str = "mobile"  # which number they give: mobile, switchboard or home_landline
    works_address: bool = True  # the office address on the form rather than the home one
    team_mailbox: bool = False  # sometimes writes from info@ of the employer
    tags: tuple[str, ...] = ()

    @property
    def phone(self) -> str | None:
        if self.phone_kind == "switchboard" and self.employer:
            return self.employer.switchboard
        return self.landline if self.phone_kind == "home_landline" else self.mobile

    @property
    def email(self) -> str | None:
        """The address of the original record: the work one for most, the personal one for the rest."""
        return self.work_email or self.personal_email


class LeadPeople:
    """People grown one group at a time from one random generator: mostly strangers, some look-alikes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.known = known_companies()
        self.employers: dict[tuple[str, str], Employer] = {}  # (domain, country)
        self.small: dict[str, list[str]] = {}  # country -> domains of its small companies
        self.mailboxes: set[str] = set()  # personal addresses handed out (canonical): one mailbox per person
        self.people: list[Person] = []

    def group(self, clusters: Iterator[str]) -> list[Person]:
        """The next person, or two or three who look alike (their clusters from `clusters`)."""
        rng, roll = self.rng, self.rng.random()
        if self.people and roll < 0.06:
            model = rng.choice(self.people)
            group = [self.person(next(clusters), model.country, (model.first, model.last), other_than=model)]
            group[0].tags = ("namesake",)
        elif roll < 0.085:
            group = self._colleagues(clusters, rng.choice((2, 2, 3)), team_mailbox=False)
        elif roll < 0.11:
            group = self._colleagues(clusters, 2, team_mailbox=True)
        elif roll < 0.14:
            group = self._family(clusters)
        else:
            group = [self.person(next(clusters))]
        self.people.extend(group)
        return group

    def _colleagues(self, clusters: Iterator[str], count: int, *, team_mailbox: bool) -> list[Person]:
        """People at one office giving its switchboard, or writing from its team mailbox (with their own mobile)."""
        first = self.person(next(clusters), employed=True)
        group = [first] + [self.person(next(clusters), first.country, employer=first.employer) for _ in range(1, count)]
        for person in group:
            person.works_address = True
            if team_mailbox:
                person.team_mailbox = True
                person.mobile = person.mobile or mobile_in(self.rng, person.country)
                person.phone_kind = "mobile"
            else:
                person.phone_kind = "switchboard"
            person.tags = ("colleague", "team_mailbox" if team_mailbox else "shared_switchboard")
        return group

    def _family(self, clusters: Iterator[str]) -> list[Person]:
        """Two people of one household: one surname, one home, one landline given on the form."""
        first = self.person(next(clusters))
        other = self.person(next(clusters), first.country, (None, first.last), other_than=first)
        first.landline = landline_in(self.rng, first.country, first.home[0])
        for person in (first, other):
            person.home, person.landline = first.home, first.landline
            person.phone_kind, person.works_address, person.tags = "home_landline", False, ("family",)
        return [first, other]

    def person(
        self,
        cluster: str,
        country: str | None = None,
        name: tuple[str | None, str | None] = (None, None),
        *,
        employer: Employer | None = None,
        employed: bool = False,
        other_than: Person | None = None,
    ) -> Person:
        """A new person; `name` fixes their first or last name (a namesake, a relative); `other_than` is someone
        whose first name (a relative) or employer (a namesake) they must not share."""
        rng = self.rng
        country = country or weighted(rng, COUNTRIES)
        female = rng.random() < 0.5
        first = name[0] or zipf(rng, FIRST[country][female])
        while other_than and name[0] is None and first == other_than.first:
            first = zipf(rng, FIRST[country][female])
        last = name[1] or zipf(rng, LAST[country])
        variants = NICKNAMES.get(first.lower())
        nickname = rng.choice(variants).title() if variants and rng.random() < 0.5 else None
        city = rng.choice(PLACES[country])
        if employer is None and (employed or rng.random() < 0.85):
            avoid = other_than.employer if other_than else None
            employer = self.employer(country, other_than=avoid)
        person = Person(
            cluster, country, first, last, nickname, None, None, None, None, None, (city, rng.choice(city.postcodes))
        )
        if employer:
            self.join(person, employer)
        if not employer or rng.random() < 0.45:
            person.personal_email = self.personal_email(person)
            if employer and rng.random() < 0.3:
                person.work_email, person.tags = None, ("personal_email_only",)  # gives only the personal one
        person.mobile = mobile_in(rng, country) if rng.random() < 0.85 else None
        person.phone_kind = weighted(rng, (("mobile", 80), ("switchboard", 5), ("home_landline", 6)))
        if (person.phone_kind == "switchboard" and not employer) or person.phone_kind == "home_landline":
            person.landline = landline_in(rng, country, city)
            person.phone_kind = "home_landline"
        person.works_address = employer is not None and rng.random() < 0.7
        return person

    def join(self, person: Person, employer: Employer) -> None:
        """A job: the employer, a title and a work address made by the employer's pattern."""
        rng = self.rng
        first, last = ascii_email_part(person.first), ascii_email_part(person.last)
        local = {
            "first.last": f"{first}.{last}",
            "flast": f"{first[0]}{last}",
            "first": first,
            "firstl": f"{first}{last[0]}",
            "last.first": f"{last}.{first}",
            "f.last": f"{first[0]}.{last}",
        }[employer.pattern]
        candidate = local
        for number in itertools.count(2):
            if candidate not in employer.locals:
                break
            candidate = f"{local}{number}"
        employer.locals.append(candidate)
        person.employer, person.work_email = employer, f"{candidate}@{employer.domain}"
        person.title = rng.choice(names.TITLES) if rng.random() < 0.9 else None

    def employer(self, country: str, other_than: Employer | None = None) -> Employer:
        """A well-known company's office in the country (weighted by size), or a small local company."""
        rng = self.rng
        while True:
            if rng.random() < 0.35:
                name, domain, _, _ = rng.choices(self.known, [size**0.5 for *_, size in self.known])[0]
            elif self.small.get(country) and rng.random() < 0.3:
                domain = rng.choice(self.small[country])
                name = self.employers[domain, country].name
            else:
                name, domain = self._small_company(country)
            if (domain, country) not in self.employers:
                # An office in another country shares the company's address pattern and its mailboxes.
                sibling = next((office for (at, _), office in self.employers.items() if at == domain), None)
                city = rng.choice(PLACES[country])
                self.employers[domain, country] = Employer(
                    name,
                    domain,
                    rng.choice(LEGAL_FORMS[country]) if rng.random() < 0.6 else None,
                    sibling.pattern if sibling else weighted(rng, WORK_PATTERNS),
                    city,
                    rng.choice(city.postcodes),
                    landline_in(rng, country, city),
                    sibling.locals if sibling else [],
                )
            if self.employers[domain, country] is not other_than:
                return self.employers[domain, country]

    def _small_company(self, country: str) -> tuple[str, str]:
        rng = self.rng
        head = zipf(rng, LAST[country]) if rng.random() < 0.4 else rng.choice(names.SMALL_COMPANY_PREFIXES)
        word = rng.choice(COMPANY_WORDS[country])
        domain = ascii_email_part(head) + rng.choice(("", "-")) + ascii_email_part(word) + rng.choice(TLDS[country])
        self.small.setdefault(country, []).append(domain)
        return f"{head} {word}", domain

    def personal_email(self, person: Person) -> str:
        rng = self.rng
        first, last = ascii_email_part(person.first), ascii_email_part(person.last)
        year = str(rng.randint(1960, 2002))
        local = weighted(
            rng,
            (
                (f"{first}.{last}", 25),
                (f"{first}{last}", 12),
                (f"{first}.{last}{year[2:]}", 14),
                (f"{first[0]}{last}{rng.randint(1, 99)}", 10),
                (f"{ascii_email_part(person.nickname or person.first)}{last[0]}{year}", 9),
                (f"{rng.choice(names.HANDLE_WORDS)}{rng.choice(names.HANDLE_WORDS)}{year[2:]}", 20),
                (f"{last}.{first}", 10),
            ),
        )
        domain, candidate = weighted(rng, MAIL[person.country]), local
        while canonical_email(f"{candidate}@{domain}") in self.mailboxes:
            candidate = f"{local}{rng.randint(1, 999)}"
        self.mailboxes.add(canonical_email(f"{candidate}@{domain}"))
        return f"{candidate}@{domain}"
