"""Identity: the spellings of one mailbox, phone number, company or name that must compare equal, and the flags
an address carries (typo, throwaway, team mailbox)."""

from __future__ import annotations

from importlib.resources import files

import pytest
from leadflow.domain.identity import (
    EmailFlags,
    canonical_company,
    canonical_email,
    canonical_phone,
    country_code,
    email_domain,
    email_flags,
    first_name_variants,
    formal_first_name,
    free_mail_domains,
    is_free_mail,
    normalise_name,
    phone_line,
)


def test_case_differences_give_the_same_canonical_email() -> None:
    assert canonical_email("Ada.Lovelace@Northwind.EXAMPLE") == canonical_email("ada.lovelace@northwind.example")


def test_plus_tag_is_dropped_for_any_domain() -> None:
    assert canonical_email("ada+webinar@northwind.example") == "ada@northwind.example"


def test_dots_in_a_gmail_local_part_are_ignored() -> None:
    assert canonical_email("a.da.love.lace@gmail.com") == "adalovelace@gmail.com"


def test_dots_outside_gmail_are_kept() -> None:
    assert canonical_email("ada.lovelace@outlook.com") == "ada.lovelace@outlook.com"


def test_display_name_form_gives_the_bare_address() -> None:
    assert canonical_email("Ada Lovelace <Ada@Northwind.example>") == "ada@northwind.example"


def test_googlemail_address_is_the_same_mailbox_as_gmail() -> None:
    assert canonical_email("Ada.Lovelace+news@googlemail.com") == "adalovelace@gmail.com"


def test_address_that_is_only_a_tag_keeps_its_local_part() -> None:
    assert canonical_email("+promo@northwind.example") == "+promo@northwind.example"


def test_text_without_at_sign_is_not_an_email() -> None:
    with pytest.raises(ValueError, match="not an email address"):
        canonical_email("ada.northwind.example")


def test_email_domain_is_the_lowercase_part_after_the_at_sign() -> None:
    assert email_domain("Ada <ada@Mail.Northwind.Example>") == "mail.northwind.example"


@pytest.mark.parametrize(
    "domain", ["gmail.com", "yahoo.co.uk", "hotmail.com", "outlook.com", "icloud.com", "proton.me", "gmx.de", "qq.com"]
)
def test_common_free_mail_providers_are_free_mail(domain: str) -> None:
    assert is_free_mail(domain)


def test_free_mail_check_ignores_case() -> None:
    assert is_free_mail("GMail.com")


def test_company_domain_is_not_free_mail() -> None:
    assert not is_free_mail("siemens.com")


def test_bundled_free_mail_list_is_lowercase_domains_without_comments() -> None:
    domains = free_mail_domains()
    assert len(domains) >= 100
    assert all(domain == domain.lower() and "." in domain and " " not in domain for domain in domains)


# --- phone numbers --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["(415) 555-0134", "415.555.0134", "+1 415-555-0134", "1-415-555-0134", "001 415 555 0134", "4155550134"]
)
def test_us_number_in_any_common_format_is_one_e164_number(raw: str) -> None:
    assert canonical_phone(raw, "US") == "+14155550134"


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("020 7946 0958", "United Kingdom"),
        ("020 7946 0958", "UK"),
        ("020 7946 0958", "England"),
        ("+44 (0)20 7946 0958", None),
        ("0044 20 7946 0958", "Germany"),
    ],
)
def test_uk_number_is_read_with_the_country_given_by_name_or_code(raw: str, country: str | None) -> None:
    assert canonical_phone(raw, country) == "+442079460958"


@pytest.mark.parametrize(
    ("raw", "country"), [("030 12345678", "Germany"), ("030/12345678", "de"), ("+49 30 12345678", "US")]
)
def test_german_landline_is_read_with_its_country(raw: str, country: str) -> None:
    assert canonical_phone(raw, country) == "+493012345678"


def test_national_number_is_read_in_the_leads_country_or_else_as_a_us_number() -> None:
    assert canonical_phone("0171 1234567", None) is None
    assert canonical_phone("0171 1234567", "Deutschland") == "+491711234567"


def test_extension_is_dropped_from_the_number() -> None:
    assert canonical_phone("(415) 555-0134 ext. 204", "US") == canonical_phone("415-555-0134", "US")


@pytest.mark.parametrize("raw", ["12345", "not a phone", "", "   ", "+1 000 000 0000", None])
def test_unparseable_or_invalid_number_has_no_canonical_form(raw: str | None) -> None:
    assert canonical_phone(raw, "US") is None


def test_mobile_and_fixed_lines_are_told_apart_where_the_numbering_plan_says() -> None:
    assert phone_line("+4917112345678") == "mobile"
    assert phone_line("+493012345678") == "fixed"
    assert phone_line("+14155550134") == "either"


@pytest.mark.parametrize(
    ("country", "code"),
    [("United States", "US"), ("U.S.A.", "US"), ("uk", "GB"), ("Great Britain", "GB"), ("Deutschland", "DE"),
     ("Côte d'Ivoire", "CI"), ("fr", "FR"), ("Atlantis", None), (None, None)],
)  # fmt: skip
def test_country_names_and_codes_give_the_iso_code(country: str | None, code: str | None) -> None:
    assert country_code(country) == code


# --- companies and names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Acme Inc.", "acme"),
        ("ACME, Inc", "acme"),
        ("Acme Corporation", "acme"),
        ("Siemens AG", "siemens"),
        ("Müller GmbH & Co. KG", "muller"),
        ("Tesco PLC", "tesco"),
        ("Acme Holdings Co., Ltd.", "acme holdings"),
        ("Nestlé S.A.", "nestle"),
        ("The Procter & Gamble Company", "procter and gamble"),
        ("AT&T Inc.", "att"),
        ("Salesforce.com, Inc.", "salesforce"),
        ("Grupo Bimbo, S.A.B. de C.V.", "grupo bimbo"),
    ],
)
def test_company_name_loses_case_accents_punctuation_and_legal_form(name: str, canonical: str) -> None:
    assert canonical_company(name) == canonical


def test_legal_form_word_inside_a_name_is_kept() -> None:
    assert canonical_company("Company Shop Ltd") == "company shop"


def test_company_that_is_only_a_legal_form_is_kept_whole() -> None:
    assert canonical_company("The Company") == "company"


def test_company_of_only_punctuation_has_no_canonical_form() -> None:
    assert canonical_company(" - ") is None


def test_name_is_folded_to_lowercase_ascii_without_punctuation() -> None:
    assert normalise_name("  José  O'Brien-Weiß ") == "jose obrien weiss"


# --- first names ----------------------------------------------------------------------------------------------------


def test_nickname_finds_the_formal_name_and_the_formal_name_its_nicknames() -> None:
    assert "william" in first_name_variants("Bill")
    assert {"bill", "will", "liam"} <= first_name_variants("William")


@pytest.mark.parametrize(
    ("nickname", "formal"), [("Bob", "robert"), ("Liz", "elizabeth"), ("Peggy", "margaret"), ("Chuck", "charles")]
)
def test_nickname_has_its_likeliest_formal_name(nickname: str, formal: str) -> None:
    assert formal_first_name(nickname) == formal


def test_name_without_nicknames_is_its_own_only_variant() -> None:
    assert first_name_variants("Zebediah") == {"zebediah"}
    assert formal_first_name("Zebediah") == "zebediah"


def test_no_first_name_has_no_variants() -> None:
    assert first_name_variants(None) == frozenset()


def test_bundled_nickname_list_is_a_few_hundred_lowercase_rows() -> None:
    text = files("leadflow").joinpath("data/nicknames.csv").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(rows) >= 300
    assert all(name.isalpha() and name.islower() for row in rows for name in row.split(","))


# --- email flags ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "meant"),
    [
        ("ada@gmial.com", "gmail.com"),
        ("ada@gmail.co", "gmail.com"),
        ("ada@hotmial.com", "hotmail.com"),
        ("ada@yaho.com", "yahoo.com"),
        ("ada@outlok.com", "outlook.com"),
        ("ada@icluod.com", "icloud.com"),  # not listed: one swap away from a major domain
    ],
)
def test_misspelt_free_mail_domain_is_flagged_with_the_domain_meant(address: str, meant: str) -> None:
    assert email_flags(address).typo_of == meant


@pytest.mark.parametrize("address", ["ada@gmail.com", "ada@ymail.com", "ada@mail.com", "ada@hotmail.de", "a@sap.com"])
def test_real_domain_near_a_major_one_is_not_a_typo(address: str) -> None:
    assert email_flags(address).typo_of is None


@pytest.mark.parametrize(
    "address", ["x@mailinator.com", "x@yopmail.fr", "x@guerrillamail.com", "x@sub.10minutemail.com"]
)
def test_throwaway_mailbox_is_flagged_disposable(address: str) -> None:
    assert email_flags(address).disposable


@pytest.mark.parametrize("address", ["info@acme.com", "Sales@acme.com", "no-reply@acme.com", "support+eu@acme.com"])
def test_team_mailbox_is_flagged_as_a_role_address(address: str) -> None:
    assert email_flags(address).role


def test_personal_address_has_no_flags() -> None:
    assert email_flags("Ada Lovelace <ada.lovelace@northwind.example>") == EmailFlags(
        typo_of=None, disposable=False, role=False
    )


def test_flags_of_text_without_at_sign_is_an_error() -> None:
    with pytest.raises(ValueError, match="not an email address"):
        email_flags("ada.northwind.example")
