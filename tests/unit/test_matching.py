"""Matching: which lead records are one person, which may be, and the evidence a RevOps team reads to trust it."""

from __future__ import annotations

from typing import Any

import pytest
from leadflow.domain.match_batch import DedupeStats, find_duplicates
from leadflow.domain.matching import (
    PRIOR_BITS,
    MatchRecord,
    MatchResult,
    MatchThresholds,
    PreparedRecord,
    blocking_keys,
    compare,
    decide,
    prepare,
)
from leadflow.models.rules import MatchingRuleSet, parse_ruleset
from pydantic import ValidationError

from tests.unit.conftest import load_config

THRESHOLDS = MatchThresholds(merge=0.97, possible=0.6)


def record(record_id: str = "a", **fields: Any) -> PreparedRecord:
    return prepare(MatchRecord(record_id=record_id, **fields))


def match(a: dict[str, Any], b: dict[str, Any]) -> MatchResult:
    return compare(record("a", **a), record("b", **b))


def levels(result: MatchResult) -> dict[str, str]:
    return {item.field: item.level for item in result.evidence}


ADA = {"first_name": "Ada", "last_name": "Lovelace", "company": "Northwind", "country": "GB"}


# --- one person, written differently --------------------------------------------------------------------------------


def test_same_mailbox_written_with_case_plus_tag_and_a_nickname_is_merged() -> None:
    first = {"first_name": "William", "last_name": "Smith", "email": "william.smith@acme.com", "company": "Acme Inc."}
    again = {"first_name": "Bill", "last_name": "SMITH", "email": "William.Smith+webinar@ACME.com", "company": "ACME"}

    result = match(first, again)

    assert decide(result, THRESHOLDS) == "merge"
    assert levels(result)["first_name"] == "nickname"
    assert levels(result)["email"] == "exact"


def test_first_and_last_name_swapped_still_match_and_the_evidence_says_so() -> None:
    first = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada.lovelace@northwind.example"}
    swapped = {"first_name": "Lovelace", "last_name": "Ada", "email": "ada.lovelace@northwind.example"}

    result = match(first, swapped)

    assert decide(result, THRESHOLDS) == "merge"
    assert levels(result)["name_order"] == "swapped"
    assert levels(result)["first_name"] == "exact" and levels(result)["last_name"] == "exact"


def test_misspelt_mail_domain_matches_the_address_meant() -> None:
    result = match({**ADA, "email": "ada.lovelace@gmial.com"}, {**ADA, "email": "adalovelace@gmail.com"})

    assert levels(result)["email"] == "exact"
    assert decide(result, THRESHOLDS) == "merge"


def test_typo_in_a_name_with_the_same_address_is_merged() -> None:
    result = match(
        {**ADA, "email": "ada@northwind.example"}, {**ADA, "last_name": "Lovelcae", "email": "ada@northwind.example"}
    )

    assert levels(result)["last_name"] == "similar"
    assert decide(result, THRESHOLDS) == "merge"


def test_job_change_with_the_same_mobile_is_at_least_possible() -> None:
    before = {"first_name": "Dana", "last_name": "Whitfield", "email": "dana@snowflake.com", "company": "Snowflake"}
    after = {"first_name": "Dana", "last_name": "Whitfield", "email": "dwhitfield@datadoghq.com", "company": "Datadog"}
    mobile = {"phone": "07911 123456", "country": "UK"}

    result = match({**before, **mobile}, {**after, "phone": "+44 7911 123456"})

    assert decide(result, THRESHOLDS) in {"merge", "possible"}
    assert levels(result)["phone"] == "exact_mobile"
    assert "namesake_rule" not in levels(result)


def test_job_change_with_the_same_personal_address_is_merged() -> None:
    before = {
        "first_name": "Dana",
        "last_name": "Whitfield",
        "email": "dana.whitfield@gmail.com",
        "company": "Snowflake",
    }
    after = {"first_name": "Dana", "last_name": "Whitfield", "email": "danawhitfield@gmail.com", "company": "Datadog"}

    assert decide(match(before, after), THRESHOLDS) == "merge"


def test_handle_reused_on_two_free_mail_providers_is_strong_evidence() -> None:
    result = match(
        {"first_name": "Sam", "last_name": "Ortiz", "email": "bluefalcon82@gmail.com"},
        {"first_name": "Sam", "last_name": "Ortiz", "email": "bluefalcon82@yahoo.com"},
    )

    assert levels(result)["email"] == "same_handle"
    assert decide(result, THRESHOLDS) == "merge"


# --- different people who look alike -------------------------------------------------------------------------------


def test_same_name_at_another_company_with_another_email_is_a_different_person() -> None:
    acme = {"first_name": "John", "last_name": "Smith", "email": "john.smith@acme.com", "company": "Acme"}
    globex = {"first_name": "John", "last_name": "Smith", "email": "john.smith@globex.com", "company": "Globex"}

    result = match(acme, globex)

    assert decide(result, THRESHOLDS) == "distinct"
    assert levels(result)["namesake_rule"] == "same name, different company and email, nothing else agrees"


def test_same_name_at_the_same_company_under_two_work_addresses_is_never_merged_automatically() -> None:
    switchboard = {"phone": "+1 212-555-0199", "company": "Acme", "title": "Account Executive", "city": "New York"}
    first = {"first_name": "John", "last_name": "Smith", "email": "john.smith@acme.com", **switchboard}
    second = {"first_name": "John", "last_name": "Smith", "email": "john.a.smith@acme.com", **switchboard}

    result = match(first, second)

    assert result.probability >= THRESHOLDS.merge
    assert result.review_only == "same name at the same company under two different work addresses"
    assert decide(result, THRESHOLDS) == "possible"


def test_same_name_at_the_same_company_with_only_a_personal_address_is_a_possible_duplicate() -> None:
    work = {"first_name": "Tom", "last_name": "Baker", "email": "tom.baker@acme.com", "company": "Acme"}
    personal = {"first_name": "Tom", "last_name": "Baker", "email": "tbaker77@gmail.com", "company": "Acme Inc"}

    assert decide(match(work, personal), THRESHOLDS) == "possible"


def test_colleagues_sharing_a_domain_and_a_switchboard_are_distinct() -> None:
    office = {"phone": "+1 212-555-0199", "company": "Acme", "country": "US"}
    jane = {"first_name": "Jane", "last_name": "Doe", "email": "jdoe@acme.com", **office}
    john = {"first_name": "John", "last_name": "Roe", "email": "jroe@acme.com", **office}

    result = match(jane, john)

    assert decide(result, THRESHOLDS) == "distinct"
    assert levels(result)["phone"] == "shared_line"


def test_family_members_sharing_a_surname_home_and_landline_are_distinct() -> None:
    home = {"last_name": "Becker", "phone": "030 12345678", "country": "DE", "city": "Berlin", "postcode": "10115"}
    anna = {"first_name": "Anna", "email": "anna.becker@web.de", **home}
    jonas = {"first_name": "Jonas", "email": "jonas.becker@gmx.de", **home}

    assert decide(match(anna, jonas), THRESHOLDS) == "distinct"


def test_team_mailbox_used_by_two_colleagues_is_not_a_match() -> None:
    result = match(
        {"first_name": "Jane", "last_name": "Doe", "email": "info@acme.com"},
        {"first_name": "Omar", "last_name": "Haddad", "email": "Info@Acme.com"},
    )

    assert levels(result)["email"] == "exact_shared_mailbox"
    assert decide(result, THRESHOLDS) == "distinct"


def test_two_numbered_work_addresses_are_not_a_typo() -> None:
    result = match(
        {"first_name": "Emily", "last_name": "Rodriguez", "email": "erodriguez@acme.com"},
        {"first_name": "Emily", "last_name": "Rodriguez", "email": "erodriguez2@acme.com"},
    )

    assert levels(result)["email"] == "different_same_domain"
    assert decide(result, THRESHOLDS) != "merge"


# --- the explanation ------------------------------------------------------------------------------------------------


def test_evidence_weights_and_the_prior_give_the_probability() -> None:
    result = match(
        {**ADA, "email": "ada@northwind.example"}, {**ADA, "first_name": "Addy", "phone": "+44 20 7946 0958"}
    )

    score = PRIOR_BITS + sum(item.weight for item in result.evidence)

    assert result.score == pytest.approx(score)
    assert result.probability == pytest.approx(1 / (1 + 2**-score))


def test_evidence_covers_every_field_compared_with_its_values() -> None:
    result = match({**ADA, "email": "ada@northwind.example"}, {**ADA, "email": "ADA@northwind.example"})

    fields = {item.field: item for item in result.evidence}

    assert {"first_name", "last_name", "email", "phone", "company", "location", "title"} <= set(fields)
    assert fields["email"].a_value == fields["email"].b_value == "ada@northwind.example"
    assert fields["email"].similarity == 1.0
    assert fields["phone"].level == "missing" and fields["phone"].weight == 0


def test_comparison_is_symmetric() -> None:
    a = record("a", **ADA, email="ada@northwind.example", phone="+44 20 7946 0958")
    b = record("b", first_name="Addy", last_name="Lovelace", email="ada.l@gmail.com", company="Northwind Ltd")

    assert compare(a, b).probability == pytest.approx(compare(b, a).probability)


# --- blocking -------------------------------------------------------------------------------------------------------


def test_a_common_surname_alone_forms_no_blocking_key() -> None:
    assert blocking_keys(record(first_name="John", last_name="Smith")) == []


def test_namesakes_at_different_companies_share_no_blocking_key() -> None:
    acme = record("a", first_name="John", last_name="Smith", email="john.smith@acme.com", company="Acme")
    globex = record("b", first_name="John", last_name="Smith", email="jsmith@globex.com", phone="+1 212-555-0199")

    assert set(blocking_keys(acme)).isdisjoint(blocking_keys(globex))


def test_every_name_key_is_tied_to_an_email_phone_company_or_domain() -> None:
    keys = blocking_keys(
        record(first_name="John", last_name="Smith", email="john.smith@acme.com", phone="+12125550199", company="Acme")
    )

    # the domain names the company: its keys would be the company's again, one query more for nothing
    assert sorted(keys) == ["c:acme:JN", "c:acme:SM0", "e:john.smith@acme.com", "p:+12125550199"]


def test_a_domain_that_does_not_name_the_company_is_a_key_of_its_own() -> None:
    keys = blocking_keys(record(first_name="Ann", last_name="Lee", email="ann.lee@abc-corp.com", company="Alphabet"))

    assert {key.split(":")[0] + ":" + key.split(":")[1] for key in keys} == {
        "e:ann.lee@abc-corp.com",
        "c:alphabet",
        "d:abc-corp.com",
    }


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            {"first_name": "Zane", "last_name": "Wilkins"},
            {"first_name": "Wilkins", "last_name": "Zanke"},
        ),  # crossed, typo
        ({"first_name": "Katherine", "last_name": "Brown"}, {"first_name": "Katherine", "last_name": "Bronw"}),
        ({"first_name": "Bill", "last_name": "Gates"}, {"first_name": "William", "last_name": "Gatse"}),
    ],
)
def test_crossed_or_misspelt_names_at_one_company_still_meet(a: dict[str, str], b: dict[str, str]) -> None:
    first = record("a", **a, company="Primbee Pty Ltd")
    second = record("b", **b, company="Primbee")

    assert set(blocking_keys(first)) & set(blocking_keys(second))


def test_one_phone_number_written_every_way_is_one_key() -> None:
    forms = ["61287918563", "+61 2 8791 8563", "(02) 8791 8563", "0061-2-8791-8563"]
    keys = [
        {key for key in blocking_keys(record(str(i), phone=phone, country="AU")) if key.startswith("p:")}
        for i, phone in enumerate(forms)
    ]

    assert keys == [{"p:+61287918563"}] * len(forms)


def test_a_postcode_and_a_name_meet_without_any_contact_detail() -> None:
    a = record("a", first_name="Mitchell", last_name="Green", postcode="2119", city="Cleveland")
    b = record("b", first_name="Mitchel", last_name="Green", postcode="2119")

    assert "z:2119:KRN" in set(blocking_keys(a)) & set(blocking_keys(b))


def test_team_mailbox_key_is_tied_to_the_name() -> None:
    keys = blocking_keys(record(first_name="Jane", last_name="Doe", email="info@acme.com"))

    assert "e:info@acme.com" not in keys
    assert "e:info@acme.com:T" in keys


def test_nickname_and_swapped_names_still_meet_their_record_under_a_key() -> None:
    work = record("a", first_name="William", last_name="Smith", company="Acme", email="w.smith@acme.com")
    swapped = record("b", first_name="Smith", last_name="Bill", company="Acme Inc.", email="bill.smith@gmail.com")

    assert set(blocking_keys(work)) & set(blocking_keys(swapped))


def test_handle_the_person_chose_is_a_key_and_their_plain_name_is_not() -> None:
    chosen = record(first_name="Sam", last_name="Ortiz", email="bluefalcon82@gmail.com")
    plain = record(first_name="Sam", last_name="Ortiz", email="sam.ortiz@gmail.com")

    assert "l:bluefalcon82" in blocking_keys(chosen)
    assert not [key for key in blocking_keys(plain) if key.startswith("l:")]


# --- batch ----------------------------------------------------------------------------------------------------------


def test_find_duplicates_yields_each_pair_once_with_its_decision_and_evidence() -> None:
    records = [
        MatchRecord(record_id="1", first_name="Ada", last_name="Lovelace", email="ada@northwind.example"),
        MatchRecord(record_id="2", first_name="Ada", last_name="Lovelace", email="ADA@northwind.example"),
        MatchRecord(record_id="3", first_name="Grace", last_name="Hopper", email="grace@navy.example"),
    ]
    ticks: list[int] = []
    stats = DedupeStats()

    pairs = list(find_duplicates(records, THRESHOLDS, progress=ticks.append, stats=stats))

    assert [(pair.id_1, pair.id_2, pair.decision) for pair in pairs] == [("1", "2", "merge")]
    assert pairs[0].evidence
    assert stats.records == 3 and stats.comparisons == 1
    assert ticks == [1, 1, 1]


def test_find_duplicates_skips_a_key_shared_by_more_records_than_max_block() -> None:
    shared = [MatchRecord(record_id=str(n), first_name="Jo", last_name="Ng", email="jo@ng.example") for n in range(4)]
    stats = DedupeStats()

    assert list(find_duplicates(shared, THRESHOLDS, max_block=3, stats=stats)) == []
    assert stats.oversized_blocks == stats.keys and stats.comparisons == 0


def test_empty_strings_in_a_record_count_as_missing() -> None:
    assert MatchRecord(record_id="1", email="", phone="  ").model_dump(exclude_none=True) == {"record_id": "1"}


# --- thresholds -----------------------------------------------------------------------------------------------------


def test_review_only_pair_is_possible_even_above_the_merge_threshold() -> None:
    result = MatchResult(probability=0.999, score=10.0, prior=PRIOR_BITS, evidence=[], review_only="why")

    assert decide(result, THRESHOLDS) == "possible"


@pytest.mark.parametrize(
    ("probability", "decision"), [(0.97, "merge"), (0.9699, "possible"), (0.6, "possible"), (0.5999, "distinct")]
)
def test_decision_follows_the_thresholds_inclusively(probability: float, decision: str) -> None:
    result = MatchResult(probability=probability, score=0.0, prior=PRIOR_BITS, evidence=[])

    assert decide(result, THRESHOLDS) == decision


def test_possible_threshold_not_below_merge_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"possible: must be below merge \(0.9\); got 0.95"):
        MatchThresholds(merge=0.9, possible=0.95)


@pytest.mark.parametrize("value", [0, 1, 1.5, -0.1])
def test_merge_threshold_outside_zero_and_one_is_refused_naming_the_field(value: float) -> None:
    with pytest.raises(ValidationError, match=r"thresholds\.merge\n"):
        parse_ruleset("matching", {"thresholds": {"merge": value, "possible": 0.5}})


def test_matching_config_without_thresholds_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"thresholds\n\s+Field required"):
        parse_ruleset("matching", {"survivorship": {}})


def test_default_matching_config_is_valid() -> None:
    rules = parse_ruleset("matching", load_config("matching.yaml"), version=3)

    assert isinstance(rules, MatchingRuleSet)
    assert rules.version == 3
    assert 0 < rules.thresholds.possible < rules.thresholds.merge < 1


def test_a_record_with_every_detail_is_looked_up_by_at_most_six_keys() -> None:
    full = record(
        first_name="Zane",
        last_name="Wilkins",
        email="info@primbee-labs.io",
        phone="+61 2 8791 8563",
        company="Primbee",
        postcode="2000",
        country="AU",
    )

    keys = blocking_keys(full)
    assert len(keys) == 6  # one query each when a lead arrives
    assert [key[0] for key in keys][:3] == ["e", "e", "p"]  # the most selective kept first
