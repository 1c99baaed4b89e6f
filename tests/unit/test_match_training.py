"""Fitting the matcher's weights on a user's own leads (`leadflow dedupe --train`): what the fitted model learns from a
file with clear duplicates and clear look-alikes, that it is repeatable, that a small file cannot talk it out of the
hand-set weights, and how term frequencies and the fixed levels weigh under it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from leadflow.domain.match_batch import candidate_pairs
from leadflow.domain.match_training import TooLittleToLearn, TrainingOptions, fit_model, term_frequencies
from leadflow.domain.matching import (
    FIXED_LEVELS,
    WEIGHTS,
    MatchModel,
    MatchRecord,
    MatchThresholds,
    PreparedRecord,
    compare,
    match,
    prepare,
)

from tests.unit.match_leads import COMMON_SURNAME, RAREST_SURNAME, LeadFile, generate

ROOT = Path(__file__).resolve().parents[2]
THRESHOLDS = MatchThresholds(merge=0.97, possible=0.6)
#: Fewer random pairs than the command draws: plenty for a file of 140 leads, and a fit well under a second.
OPTIONS = TrainingOptions(random_pairs=10_000)


def prepared(lead_file: LeadFile) -> list[PreparedRecord]:
    return [
        prepare(MatchRecord(record_id=row["lead_id"], **{k: v for k, v in row.items() if k != "lead_id"}))
        for row in lead_file.rows
    ]


def record(record_id: str, **fields: Any) -> PreparedRecord:
    return prepare(MatchRecord(record_id=record_id, **fields))


def evidence_weight(a: PreparedRecord, b: PreparedRecord, model: MatchModel | None, field: str) -> float:
    return next(item.weight for item in compare(a, b, model).evidence if item.field == field)


def evidence_level(a: PreparedRecord, b: PreparedRecord, model: MatchModel | None, field: str) -> str:
    return next(item.level for item in compare(a, b, model).evidence if item.field == field)


@pytest.fixture(scope="module")
def leads() -> LeadFile:
    return generate(people=90, seed=7)


@pytest.fixture(scope="module")
def model(leads: LeadFile) -> MatchModel:
    return fit_model(prepared(leads), OPTIONS)


# --- what the model learns ------------------------------------------------------------------------------------------


def test_the_same_address_and_mobile_count_for_a_pair_and_different_first_names_against(model: MatchModel) -> None:
    assert model.stats is not None and model.stats.converged
    assert (model.weight("email", "exact") or 0.0) > 3.0
    assert (model.weight("phone", "exact_mobile") or 0.0) > 3.0
    assert (model.weight("first_name", "different") or 0.0) < -3.0
    assert (model.weight("last_name", "different") or 0.0) < -3.0


def test_the_model_expects_about_as_many_duplicate_pairs_as_the_file_holds() -> None:
    for seed in (7, 11):
        lead_file = generate(people=90, seed=seed)
        fitted = fit_model(prepared(lead_file), OPTIONS)
        assert fitted.stats is not None
        true_pairs = len(lead_file.true_pairs())
        assert true_pairs > 30  # the file has something to learn from
        assert fitted.stats.expected_duplicates == pytest.approx(true_pairs, rel=0.1), f"seed {seed}"


def test_the_fitted_model_merges_the_file_s_duplicates_and_not_its_colleagues(
    leads: LeadFile, model: MatchModel
) -> None:
    by_id = {p.record_id: p for p in prepared(leads)}
    truth = leads.true_pairs()
    merged = set()
    for a, b in _candidates(list(by_id.values())):
        if match(by_id[a], by_id[b], THRESHOLDS, model).decision == "merge":
            merged.add((a, b))
    assert merged <= truth  # no colleague on the switchboard, no namesake
    assert len(merged) >= 0.95 * len(truth)


def _candidates(records: list[PreparedRecord]) -> list[tuple[str, str]]:
    pairs = []
    for index, others in candidate_pairs(records):
        for other in others:
            a, b = records[index].record_id, records[other].record_id
            pairs.append((a, b) if a < b else (b, a))
    return pairs


# --- repeatable -----------------------------------------------------------------------------------------------------


def test_the_same_file_and_seed_give_the_same_model(leads: LeadFile, model: MatchModel) -> None:
    again = fit_model(prepared(leads), OPTIONS)
    other_seed = fit_model(prepared(leads), TrainingOptions(random_pairs=OPTIONS.random_pairs, seed=1))

    assert again == model
    assert other_seed.levels != model.levels  # the seed is what draws the random pairs


_FIT_IN_A_NEW_PROCESS = """
import sys
from leadflow.domain.match_training import TrainingOptions, fit_model
from leadflow.domain.matching import MatchRecord, prepare
from tests.unit.match_leads import generate
rows = generate(people=40, seed=3).rows
records = [prepare(MatchRecord(record_id=r["lead_id"], **{k: v for k, v in r.items() if k != "lead_id"})) for r in rows]
print(fit_model(records, TrainingOptions(random_pairs=2000)).model_dump_json())
"""


def test_the_model_does_not_depend_on_the_process_that_fits_it() -> None:
    """String hashing differs from one Python process to the next; nothing in the fit may depend on it."""
    dumps = []
    for hash_seed in ("1", "2"):
        environment = {
            **os.environ,
            "PYTHONHASHSEED": hash_seed,
            "PYTHONPATH": f"{ROOT / 'layers' / 'leadflow'}:{ROOT}",
        }
        done = subprocess.run(
            [sys.executable, "-c", _FIT_IN_A_NEW_PROCESS], env=environment, cwd=ROOT, capture_output=True, check=True
        )
        dumps.append(json.loads(done.stdout))
    assert dumps[0] == dumps[1]


# --- a small file keeps the hand-set weights ------------------------------------------------------------------------

JOB_CHANGE = (  # the same person and mobile, a new employer's address: the hand-set weights merge it
    {"first_name": "Priya", "last_name": "Raman", "email": "priya.raman@initech.example", "company": "Initech"},
    {"first_name": "Priya", "last_name": "Raman", "email": "priya.raman@globex.example", "company": "Globex"},
)
SWITCHBOARD_COLLEAGUES = (  # two people at one company on its switchboard: distinct
    {"first_name": "Priya", "last_name": "Raman", "email": "priya.raman@initech.example", "company": "Initech"},
    {"first_name": "Tom", "last_name": "Baker", "email": "tom.baker@initech.example", "company": "Initech"},
)


@pytest.mark.parametrize("people", [0, 1, 4])
def test_a_file_too_small_to_learn_from_is_refused_and_the_hand_set_weights_stay(people: int) -> None:
    """A handful of leads is no estimate of how often random records agree, and EM on a few pairs finds what it
    started from: fitted on them, an exact email fell to +3 bits and a job change with one mobile stopped merging."""
    leads = prepared(generate(people=people, seed=7)) if people else []

    with pytest.raises(TooLittleToLearn, match="too few to fit the weights"):
        fit_model(leads, OPTIONS)


def test_the_hand_set_weights_are_the_prior_the_file_moves_the_weights_from(leads: LeadFile, model: MatchModel) -> None:
    """Within each field, how much more one level weighs than another starts as set by hand; held by a prior worth
    a million pairs it stays there, and with the default prior the file's evidence moves it."""
    held = fit_model(prepared(leads), replace(OPTIONS, prior_strength=1e6))

    def spread(fitted: MatchModel, field: str, level: str, against: str) -> float:
        return (fitted.weight(field, level) or 0.0) - (fitted.weight(field, against) or 0.0)

    moved = []
    for field, level, against in (
        ("email", "exact", "different"),
        ("first_name", "exact", "different"),
        ("phone", "exact_mobile", "different"),
    ):
        hand_set = WEIGHTS[field][level] - WEIGHTS[field][against]
        assert spread(held, field, level, against) == pytest.approx(hand_set, abs=0.5), field
        moved.append(abs(spread(model, field, level, against) - hand_set))
    assert max(moved) > 1.0


# --- term frequencies -----------------------------------------------------------------------------------------------


def test_an_exact_common_surname_weighs_less_than_a_rare_one(leads: LeadFile, model: MatchModel) -> None:
    surnames = [row["last_name"].lower() for row in leads.rows]
    assert surnames.count(COMMON_SURNAME) > 10 * surnames.count(RAREST_SURNAME) > 0
    colleagues = {"company": "Initech", "country": "GB"}

    def weight(surname: str) -> float:
        a = record("a", first_name="Emma", last_name=surname.title(), **colleagues)
        b = record("b", first_name="Emma", last_name=surname.upper(), **colleagues)
        assert evidence_level(a, b, model, "last_name") == "exact"
        return evidence_weight(a, b, model, "last_name")

    unadjusted = model.weight("last_name", "exact") or 0.0
    assert weight(COMMON_SURNAME) < unadjusted < weight(RAREST_SURNAME)
    assert weight("Quigglesworth") >= weight(RAREST_SURNAME)  # never seen: as rare as the rarest kept
    without_model = record("a", first_name="Emma", last_name="Smith"), record("b", first_name="Emma", last_name="Smith")
    assert evidence_weight(*without_model, None, "last_name") == WEIGHTS["last_name"]["exact"]


def test_a_pair_weighs_the_same_in_either_order_under_term_frequencies() -> None:
    anna = {"first_name": "Anna", "company": "Initech", "country": "NL"}
    spaced = record("a", last_name="Van der Berg", email="anna@vdb.example", **anna)
    joined = record("b", last_name="Vanderberg", email="anna.vdb@gmail.com", **anna)
    neighbours = [record(f"n{i}", first_name=f"Kees{i}", last_name="Van der Berg") for i in range(10)]
    others = [record(f"o{i}", first_name="Joost", last_name=f"Smit{'x' * i}") for i in range(30)]
    model = MatchModel(prior_bits=-6.0, levels={}, term_frequencies=term_frequencies([*neighbours, *others]))

    assert evidence_level(spaced, joined, model, "last_name") == "exact"
    assert compare(spaced, joined, model).probability == pytest.approx(compare(joined, spaced, model).probability)
    assert match(spaced, joined, THRESHOLDS, model).decision == match(joined, spaced, THRESHOLDS, model).decision


# --- levels about two fields at once keep their hand-set weight -----------------------------------------------------


def test_levels_about_two_fields_at_once_keep_the_hand_set_weight_under_the_model(model: MatchModel) -> None:
    acme = {"company": "Initech", "country": "GB"}
    pairs = {
        ("phone", "shared_line"): (
            record("a", first_name="Priya", last_name="Raman", phone="+44 20 7946 0001", **acme),
            record("b", first_name="Tom", last_name="Baker", phone="020 7946 0001", **acme),
        ),
        ("email", "exact_shared_mailbox"): (
            record("a", first_name="Priya", last_name="Raman", email="ravens@gmail.com"),
            record("b", first_name="Tom", last_name="Raman", email="ravens@gmail.com"),
        ),
        ("email", "different_same_domain"): (
            record("a", first_name="John", last_name="Smith", email="john.smith@initech.example", **acme),
            record("b", first_name="John", last_name="Smith", email="j.smith@initech.example", **acme),
        ),
        ("email", "team_mailbox"): (
            record("a", first_name="Priya", last_name="Raman", email="info@initech.example", **acme),
            record("b", first_name="Tom", last_name="Baker", email="tom.baker@initech.example", **acme),
        ),
    }
    assert set(pairs) == set(FIXED_LEVELS)
    for (field, level), (a, b) in pairs.items():
        assert evidence_level(a, b, model, field) == level
        assert evidence_weight(a, b, model, field) == WEIGHTS[field][level], (field, level)
    # the model has an estimate of its own for them, which the matcher does not use
    assert any(model.weight(field, level) != WEIGHTS[field][level] for field, level in FIXED_LEVELS)


def test_a_place_two_colleagues_share_weighs_nothing_under_the_model(model: MatchModel) -> None:
    office = {"company": "Initech", "postcode": "B1 1AA", "city": "Birmingham", "country": "GB"}
    a = record("a", first_name="Priya", last_name="Raman", **office)
    b = record("b", first_name="Priya", last_name="Raman", **office)

    assert evidence_level(a, b, model, "location") == "same_office"
    assert evidence_weight(a, b, model, "location") == 0.0
    elsewhere = record("c", first_name="Priya", last_name="Raman", postcode="B1 1AA", country="GB")
    assert evidence_level(a, elsewhere, model, "location") == "same_postcode"
    assert evidence_weight(a, elsewhere, model, "location") > 0.0
