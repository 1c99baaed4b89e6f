"""Which lead's value survives a merge, field by field (verified, most trusted, most recent, oldest, addresses),
and the survivorship rules a rule set may hold."""

from __future__ import annotations

import pytest
from leadflow.models.lead import Firmographics
from leadflow.models.rules import MergeRules
from leadflow.models.submission import Source
from pydantic import ValidationError

from tests.unit.conftest import NOW, load_config
from tests.unit.lead_merge.conftest import DAY, lead, merge


def test_a_verified_value_survives_a_newer_unverified_one() -> None:
    survivor = lead("lead-a", last=NOW, phone="+442079460958", verified_fields=["phone"])
    other = lead("lead-b", last=NOW + DAY, phone="+442079460000", title="CTO")

    outcome = merge(survivor, other)

    assert outcome.merged.phone == "+442079460958"
    assert outcome.merged.verified_fields == ["phone"]
    assert outcome.record.field_sources["phone"] == "lead-a"
    assert outcome.record.field_sources["title"] == "lead-b"


def test_a_verified_value_on_the_other_lead_beats_the_survivor_strategy() -> None:
    survivor = lead("lead-a", company="Northwind")
    other = lead("lead-b", company="Northwind Traders Ltd", verified_fields=["company"])

    merged = merge(survivor, other, MergeRules(default="survivor")).merged

    assert (merged.company, merged.verified_fields) == ("Northwind Traders Ltd", ["company"])


def test_an_empty_value_never_replaces_a_value_whatever_the_strategy() -> None:
    survivor = lead("lead-a", title=" ", fields={"crm": None})
    other = lead("lead-b", last=NOW - DAY, title="CTO", fields={"crm": "hubspot"})

    merged = merge(survivor, other, MergeRules(default="survivor", custom_fields="survivor")).merged

    assert (merged.title, merged.fields) == ("CTO", {"crm": "hubspot"})


def test_most_trusted_takes_the_value_from_the_lead_with_the_more_trusted_source() -> None:
    rules = MergeRules(fields={"company": "most_trusted"}, source_trust=["sales-call", "demo-request"])
    survivor = lead(
        "lead-a",
        last=NOW + DAY,
        company="northwind",
        title="VP Engineering",
        form_ids=["newsletter"],
        last_source=Source(form_id="newsletter", utm_source="linkedin"),
    )
    other = lead(
        "lead-b",
        last=NOW,
        company="Northwind Traders",
        title="Engineer",
        form_ids=["demo-request"],
        last_source=Source(form_id="demo-request"),
    )

    merged = merge(survivor, other, rules).merged

    assert merged.company == "Northwind Traders"
    assert merged.title == "VP Engineering"  # most_recent, the default


def test_most_trusted_with_equal_trust_takes_the_most_recent_value() -> None:
    rules = MergeRules(default="most_trusted", source_trust=["Sales-Call"])
    survivor = lead("lead-a", last=NOW, country="UK", last_source=Source(utm_source="sales-call"))
    other = lead("lead-b", last=NOW + DAY, country="United Kingdom", form_ids=["sales-call"])

    assert merge(survivor, other, rules).merged.country == "United Kingdom"


def test_oldest_takes_the_value_of_the_lead_created_first() -> None:
    survivor = lead("lead-a", created=NOW, first_name="Ada")
    other = lead("lead-b", created=NOW - DAY, last=NOW - DAY, first_name="Augusta")

    assert merge(survivor, other, MergeRules(fields={"first_name": "oldest"})).merged.first_name == "Augusta"


def test_a_newer_work_address_comes_with_its_canonical_form_and_firmographics() -> None:
    survivor = lead("lead-a", last=NOW, firmographics=Firmographics(domain="northwind.example"))
    other = lead(
        "lead-b",
        last=NOW + DAY,
        email="Ada.L@Contoso.example",
        email_canonical="ada.l@contoso.example",
        firmographics=Firmographics(domain="contoso.example"),
        account_id="contoso.example",
    )

    merged = merge(survivor, other).merged

    assert (merged.email, merged.email_canonical) == ("Ada.L@Contoso.example", "ada.l@contoso.example")
    assert merged.firmographics == Firmographics(domain="contoso.example")
    assert merged.account_id == "contoso.example"
    assert merged.emails == ["Ada.L@Contoso.example", "lead-a@northwind.example"]


def test_a_newer_free_mail_address_never_replaces_the_work_address_or_its_firmographics() -> None:
    known = Firmographics(domain="northwind.example", company_name="Northwind", industry="fintech", known=True)
    survivor = lead("lead-a", last=NOW, firmographics=known, account_id="northwind.example")
    other = lead(
        "lead-b",
        last=NOW + DAY,
        email="ada@gmail.com",
        email_canonical="ada@gmail.com",
        firmographics=Firmographics(domain="gmail.com", free_mail=True),
    )

    merged = merge(survivor, other).merged

    assert (merged.email, merged.email_canonical) == ("lead-a@northwind.example", "lead-a@northwind.example")
    assert (merged.firmographics, merged.account_id) == (known, "northwind.example")
    assert merged.emails == ["lead-a@northwind.example", "ada@gmail.com"]


def test_a_merge_keeps_the_known_company_even_when_the_newer_work_address_is_unknown() -> None:
    known = Firmographics(domain="northwind.example", company_name="Northwind", known=True)
    survivor = lead("lead-a", last=NOW, firmographics=known, account_id="northwind.example")
    other = lead(
        "lead-b", last=NOW + DAY, email="ada@nw-labs.example", firmographics=Firmographics(domain="nw-labs.example")
    )

    merged = merge(survivor, other).merged

    assert merged.email == "ada@nw-labs.example"
    assert (merged.firmographics, merged.account_id) == (known, "northwind.example")


def test_a_plain_address_outranks_a_plus_tagged_one_of_the_same_mailbox() -> None:
    survivor = lead("lead-a", last=NOW, email="Priya.Raman@northwind.example")
    other = lead("lead-b", last=NOW + DAY, email="Priya.Raman+webinar@northwind.example")

    assert merge(survivor, other).merged.email == "Priya.Raman@northwind.example"


def test_survivorship_rule_for_an_unknown_field_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"fields\n.*unknown field 'job_title'"):
        MergeRules.model_validate({"fields": {"job_title": "most_recent"}})


def test_an_unknown_strategy_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"fields\.title\n.*'most_recent', 'oldest', 'survivor'"):
        MergeRules.model_validate({"fields": {"title": "newest"}})


def test_most_trusted_without_a_trust_order_is_refused_naming_the_fields_using_it() -> None:
    with pytest.raises(ValidationError, match=r"'most_trusted' \(used for phone, custom_fields\) needs"):
        MergeRules.model_validate({"fields": {"phone": "most_trusted"}, "custom_fields": "most_trusted"})


def test_a_source_listed_twice_in_the_trust_order_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError, match=r"source 'Demo-Request' is listed more than once"):
        MergeRules.model_validate({"source_trust": ["demo-request", "Demo-Request"]})


def test_default_survivorship_config_is_valid() -> None:
    rules = MergeRules.model_validate(load_config("matching.yaml")["survivorship"])

    assert rules.source_trust
