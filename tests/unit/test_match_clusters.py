"""Pairs into clusters: the groups of leads that are one person, as the lead table ends up holding them once the
merges chain, and the weak links that would make one lead of two people held back."""

from __future__ import annotations

from typing import Any

from leadflow.domain.match_batch import PairDecision, find_duplicates
from leadflow.domain.match_clusters import cluster
from leadflow.domain.matching import MatchRecord, MatchThresholds, PreparedRecord, Rule, prepare

THRESHOLDS = MatchThresholds(merge=0.97, possible=0.6)
GB = {"country": "GB"}

JANE_WORK = MatchRecord(
    record_id="L-3", first_name="Jane", last_name="Doe", email="jane.doe@acme.example", company="Acme", **GB
)
JANE_WEBINAR = MatchRecord(
    record_id="L-2",
    first_name="Jane",
    last_name="Doe",
    email="Jane.Doe+webinar@ACME.example",
    phone="+44 7911 123456",
    company="Acme",
    **GB,
)
JANE_PERSONAL = MatchRecord(
    record_id="L-1", first_name="Jane", last_name="Doe", email="janedoe1984@gmail.com", phone="07911 123456", **GB
)
TOM = MatchRecord(
    record_id="L-4",
    first_name="Tom",
    last_name="Baker",
    email="tom.baker@acme.example",
    phone="+44 20 7946 0001",
    company="Acme",
    **GB,
)


def prepared(*records: MatchRecord) -> dict[str, PreparedRecord]:
    return {record.record_id: prepare(record) for record in records}


def lead(record_id: str, **fields: Any) -> MatchRecord:
    return MatchRecord(record_id=record_id, **GB, **fields)


def merge(a: str, b: str, rule: Rule = "probability", probability: float = 0.99) -> PairDecision:
    return PairDecision(id_1=a, id_2=b, decision="merge", rule=rule, probability=probability, evidence=[])


def test_a_same_email_merge_and_a_probable_one_chain_into_one_cluster_named_by_its_smallest_id() -> None:
    records = (JANE_WORK, JANE_WEBINAR, JANE_PERSONAL, TOM)
    decisions = list(find_duplicates(records, THRESHOLDS))
    merges = {(d.id_1, d.id_2): d.rule for d in decisions if d.decision == "merge"}
    # the work address and the personal one are never compared with each other: only the chain joins them
    assert merges == {("L-3", "L-2"): "same email", ("L-2", "L-1"): "probability"}

    clusters = cluster([r.record_id for r in records], decisions, prepared(*records))

    assert clusters.of == {"L-1": "L-1", "L-2": "L-1", "L-3": "L-1", "L-4": "L-4"}
    assert clusters.held_back == []
    assert clusters.sizes() == {"L-1": 3, "L-4": 1}


def test_leads_without_a_merge_are_each_their_own_cluster_and_a_possible_pair_joins_nothing() -> None:
    records = prepared(JANE_WORK, JANE_PERSONAL, TOM)
    possible = PairDecision(id_1="L-3", id_2="L-1", decision="possible", probability=0.9, evidence=[])

    clusters = cluster(records, [possible], records)

    assert clusters.of == {"L-3": "L-3", "L-1": "L-1", "L-4": "L-4"}
    assert clusters.held_back == []


# A weak link: Jane's second lead gives the switchboard, which Tom gives too. Jane's first lead and Tom are plainly
# two people: their names, addresses and numbers all differ.
JANE = lead("a", first_name="Jane", last_name="Doe", email="jane.doe@acme.example", phone="+44 7911 123456")
JANE_ON_THE_SWITCHBOARD = lead(
    "b", first_name="Jane", last_name="Doe", email="JANE.DOE@acme.example", phone="+44 20 7946 0001"
)
TOM_ON_THE_SWITCHBOARD = lead(
    "c", first_name="Tom", last_name="Baker", email="tom.baker@acme.example", phone="020 7946 0001"
)


def test_a_probable_merge_that_would_put_two_people_in_one_cluster_is_held_back_and_listed() -> None:
    records = prepared(JANE, JANE_ON_THE_SWITCHBOARD, TOM_ON_THE_SWITCHBOARD)
    weak = merge("b", "c", probability=0.98)

    clusters = cluster(records, [merge("a", "b", rule="same email", probability=1.0), weak], records)

    assert clusters.of == {"a": "a", "b": "a", "c": "c"}
    assert clusters.held_back == [weak]


def test_the_guard_looks_at_the_whole_cluster_not_only_at_the_linking_pair() -> None:
    """b and c share a number, so b and c alone are not plainly two people; a and c are."""
    records = prepared(JANE, JANE_ON_THE_SWITCHBOARD, TOM_ON_THE_SWITCHBOARD)

    alone = cluster(records, [merge("b", "c")], records)

    assert alone.of == {"a": "a", "b": "b", "c": "b"}
    assert alone.held_back == []


def test_a_same_email_merge_is_never_held_back() -> None:
    records = prepared(JANE, JANE_ON_THE_SWITCHBOARD, TOM_ON_THE_SWITCHBOARD)
    claimed = merge("b", "c", rule="same email", probability=0.2)  # the pipeline joins a claimed address whatever

    clusters = cluster(records, [merge("a", "b", rule="same email", probability=1.0), claimed], records)

    assert clusters.of == {"a": "a", "b": "a", "c": "a"}
    assert clusters.held_back == []


def test_the_weaker_of_two_conflicting_links_is_the_one_held_back_whatever_their_order() -> None:
    """x and z are plainly two people; y is linked to both. The likelier link wins, in whichever order the pairs
    come."""
    x = lead("x", first_name="Priya", last_name="Raman", email="priya@initech.example", phone="+44 7911 111111")
    y = lead("y", first_name="Priya", last_name="Raman", email="p.raman@gmail.com", phone="+44 20 7946 0001")
    z = lead("z", first_name="Tom", last_name="Baker", email="tom@initech.example", phone="+44 7911 222222")
    records = prepared(x, y, z)
    strong, weak = merge("x", "y", probability=0.999), merge("y", "z", probability=0.98)

    for decisions in ([strong, weak], [weak, strong]):
        clusters = cluster(records, decisions, records)
        assert clusters.of == {"x": "x", "y": "x", "z": "z"}
        assert clusters.held_back == [weak]


def test_same_email_merges_are_joined_before_any_probable_one() -> None:
    """A same-email merge always stands, so a probable link that conflicts with it is the one held back, even when
    the probable link comes first and is the likelier."""
    x = lead("x", first_name="Priya", last_name="Raman", email="priya@initech.example", phone="+44 7911 111111")
    y = lead("y", first_name="Priya", last_name="Raman", email="p.raman@gmail.com", phone="+44 20 7946 0001")
    z = lead("z", first_name="Tom", last_name="Baker", email="p.raman@gmail.com", phone="+44 7911 222222")
    records = prepared(x, y, z)
    probable, claimed = merge("x", "y", probability=0.9999), merge("y", "z", rule="same email", probability=0.5)

    clusters = cluster(records, [probable, claimed], records)

    assert clusters.of == {"x": "x", "y": "y", "z": "y"}
    assert clusters.held_back == [probable]
