"""A small labelled lead file for the matcher's tests: people at a few companies, some written twice or three times
the way leads arrive again (a +tag or another case on the address, the phone written nationally, a typo or a
nickname, a personal address with the same mobile), among colleagues who share a surname or the switchboard
number and namesakes at other companies. Deterministic for a seed."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

from leadflow.domain.identity import canonical_phone, phone_line

FIRST_NAMES = (
    "olivia", "liam", "emma", "noah", "ava", "oliver", "sophia", "elijah", "mia", "lucas", "amelia", "mateo",
    "harper", "henry", "evelyn", "theo", "isla", "arjun", "freya", "kenji", "ingrid", "tomasz", "leila", "rafael",
)  # fmt: skip
RARE_SURNAMES = (
    "okafor", "lindqvist", "moreau", "castellanos", "nakamura", "brennan", "kowalski", "haddad", "oyelaran",
    "fitzgerald", "rasmussen", "abernathy", "delacroix", "yamamoto", "petrovic", "quintero", "achterberg",
    "hollingsworth", "szymanski", "mcallister", "ferreira", "bjornsson", "valdivia", "ekwueme",
)  # fmt: skip
COMMON_SURNAME = "smith"
RAREST_SURNAME = "zanzotto"  # one person has it, written more than once
NICKNAMES = {"oliver": "ollie", "henry": "harry", "theo": "theodore", "elijah": "eli"}  # ones the matcher knows
TITLES = ("Head of Sales", "CTO", "Marketing Manager", "Account Executive", "VP Operations", "Data Analyst")
#: name, domain, office postcode, city, switchboard
COMPANIES = (
    ("Northwind Traders", "northwind.example", "EC1A 1BB", "London", "+44 20 7946 0001"),
    ("Globex", "globex.example", "M1 1AE", "Manchester", "+44 161 496 0002"),
    ("Initech", "initech.example", "B1 1AA", "Birmingham", "+44 121 496 0003"),
    ("Umbrella Analytics", "umbrella.example", "LS1 4AP", "Leeds", "+44 113 496 0004"),
    ("Hooli", "hooli.example", "G1 1XQ", "Glasgow", "+44 141 496 0005"),
    ("Vandelay Industries", "vandelay.example", "BS1 4DJ", "Bristol", "+44 117 496 0006"),
)


@dataclass
class LeadFile:
    """The rows (as `leadflow dedupe` reads them, lead_id first) and which person each lead is."""

    rows: list[dict[str, str]]
    person_of: dict[str, int] = field(default_factory=dict)

    def true_pairs(self) -> set[tuple[str, str]]:
        by_person: dict[int, list[str]] = {}
        for lead_id, person in self.person_of.items():
            by_person.setdefault(person, []).append(lead_id)
        return {
            (a, b) if a < b else (b, a)
            for leads in by_person.values()
            for a, b in itertools.combinations(sorted(leads), 2)
        }


def _mobile(rng: random.Random) -> str:
    """A British mobile number that the phone library reads as one (not every 07 range is allocated)."""
    while True:
        number = f"+44 7{rng.randrange(100, 999)} {rng.randrange(100000, 999999)}"
        e164 = canonical_phone(number, "GB")
        if e164 and phone_line(e164) == "mobile":
            return number


def _typo(name: str, rng: random.Random) -> str:
    """Two neighbouring letters swapped, away from the first letter."""
    at = rng.randrange(1, len(name) - 1)
    return name[:at] + name[at + 1] + name[at] + name[at + 2 :]


def _national(phone: str) -> str:
    """+44 7911 123456 written as a British caller would: 07911 123456."""
    return "0" + phone.removeprefix("+44 ")


def generate(people: int = 90, seed: int = 7, duplicate_share: float = 0.4) -> LeadFile:
    """`people` people, about `duplicate_share` of them written more than once; about a third
    carry the common surname; the first is the only one with the rarest."""
    rng = random.Random(seed)
    persons: list[dict[str, str]] = []
    used_emails: set[str] = set()
    for number in range(people):
        name, domain, postcode, city, switchboard = COMPANIES[number % len(COMPANIES)]
        first = rng.choice(FIRST_NAMES)
        last = RAREST_SURNAME if number == 0 else COMMON_SURNAME if rng.random() < 0.3 else rng.choice(RARE_SURNAMES)
        local = f"{first}.{last}"
        while f"{local}@{domain}" in used_emails:  # a namesake colleague gets a number, as companies do
            local += "2"
        used_emails.add(f"{local}@{domain}")
        mobile = _mobile(rng)
        persons.append(
            {
                "first_name": first.title(),
                "last_name": last.title(),
                "email": f"{local}@{domain}",
                "phone": switchboard if rng.random() < 0.25 else mobile,
                "mobile": mobile,
                "company": name,
                "title": rng.choice(TITLES),
                "city": city,
                "postcode": postcode,
                "country": "GB",
            }
        )
    records: list[tuple[int, dict[str, str]]] = []
    for number, person in enumerate(persons):
        original = {key: value for key, value in person.items() if key != "mobile"}
        records.append((number, original))
        copies = 0 if number and rng.random() >= duplicate_share else 2 if rng.random() < 0.25 else 1
        for _ in range(copies):
            records.append((number, _again(person, rng)))
    rng.shuffle(records)
    lead_file = LeadFile(rows=[])
    for index, (number, values) in enumerate(records, start=1):
        lead_id = f"L-{index:04d}"
        lead_file.rows.append({"lead_id": lead_id, **values})
        lead_file.person_of[lead_id] = number
    return lead_file


def _again(person: dict[str, str], rng: random.Random) -> dict[str, str]:
    """The person's lead written again, one of the ways a second form fill or an import differs from the first."""
    again = {key: value for key, value in person.items() if key != "mobile"}
    local, _, domain = person["email"].partition("@")
    first = person["first_name"].lower()
    way = rng.randrange(4)
    if way == 2 and person["phone"] != person["mobile"]:
        way = 0  # a personal address alone would leave only the name and the office to link them
    if way == 0:  # a +tag and another case on the address, the phone written nationally
        again["email"] = f"{local.title()}+webinar@{domain.upper()}"
        again["phone"] = _national(person["phone"])
    elif way == 1:  # a typo or a nickname in the first name, the address in capitals
        again["first_name"] = NICKNAMES.get(first, _typo(first, rng)).title()
        again["email"] = person["email"].upper()
    elif way == 2:  # a personal address, the same mobile, no company
        again["email"] = f"{first}{person['last_name'].lower()}{rng.randrange(10, 99)}@gmail.com"
        again["phone"] = _national(person["mobile"])
        again["company"] = ""
        again["title"] = ""
    else:  # a typo in the last name, the same mobile, the address with a +tag
        again["last_name"] = _typo(person["last_name"].lower(), rng).title()
        again["email"] = f"{local}+events@{domain}"
        again["phone"] = person["mobile"]
    return again
