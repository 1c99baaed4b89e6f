"""Pairs into clusters: the groups of records that are one person, as the lead table ends up holding them.

Merges chain (a into b, b into c), so the clusters are the connected components of the merge decisions, with one
guard: a probabilistic merge never joins two clusters that hold two records whose names are plainly two people's
(first and last name both disagree, neither crossed over). Such a chain runs through one weak link — a shared line,
a near-identical work address — and would make one lead of two people. Same-email merges are never held back: the
pipeline's email claim joins them whatever the names say, and a batch run decides as the pipeline does.

Strongest links first: same-email merges, then merges by falling probability, so that when a weak link is held
back the clusters it would have joined are already as the strong evidence made them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from leadflow.domain.match_batch import PairDecision
from leadflow.domain.match_fields import DISAGREE, compare_names
from leadflow.domain.matching import PreparedRecord, same_identity

__all__ = ["Clusters", "cluster", "plainly_two_people"]

#: Above this many cross pairs a join is checked on the linking pair alone (clusters of one person are small).
MAX_CROSS_CHECKS = 400


@dataclass
class Clusters:
    """Each record's cluster id (the smallest record id in its cluster), and the merges the guard held back."""

    of: dict[str, str]
    held_back: list[PairDecision] = field(default_factory=list)

    def sizes(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for cluster_id in self.of.values():
            counts[cluster_id] = counts.get(cluster_id, 0) + 1
        return counts


def plainly_two_people(a: PreparedRecord, b: PreparedRecord) -> bool:
    """Two people, not one person with typos: both names disagree, read straight and crossed over, and so do the
    email address and the phone number both records give (a person typing their name badly still gives their own
    address or number)."""
    if not (a.first and a.last and b.first and b.last) or same_identity(a, b):
        return False
    if not (a.email_canonical and b.email_canonical and a.phone_e164 and b.phone_e164) or a.phone_e164 == b.phone_e164:
        return False
    levels = {item.field: item.level for item in compare_names(a, b)}
    return levels.get("first_name") == "different" and levels.get("last_name") in DISAGREE


def cluster(
    record_ids: Iterable[str], decisions: Iterable[PairDecision], prepared: Mapping[str, PreparedRecord]
) -> Clusters:
    """The clusters the `merge` decisions make among `record_ids` (a record without a merge is its own)."""
    members: dict[str, list[str]] = {record_id: [record_id] for record_id in record_ids}
    root: dict[str, str] = {record_id: record_id for record_id in members}
    merges = sorted(
        (d for d in decisions if d.decision == "merge"),
        key=lambda d: (d.rule != "same email", -d.probability, d.id_1, d.id_2),
    )
    held_back: list[PairDecision] = []
    for decision in merges:
        left, right = root[decision.id_1], root[decision.id_2]
        if left == right:
            continue
        if decision.rule != "same email" and _would_join_two_people(members[left], members[right], decision, prepared):
            held_back.append(decision)
            continue
        keep, gone = (left, right) if len(members[left]) >= len(members[right]) else (right, left)
        for record_id in members[gone]:
            root[record_id] = keep
        members[keep] += members.pop(gone)
    of: dict[str, str] = {}
    for group in members.values():
        cluster_id = min(group)
        for record_id in group:
            of[record_id] = cluster_id
    return Clusters(of=of, held_back=held_back)


def _would_join_two_people(
    left: list[str], right: list[str], link: PairDecision, prepared: Mapping[str, PreparedRecord]
) -> bool:
    if len(left) * len(right) > MAX_CROSS_CHECKS:
        return plainly_two_people(prepared[link.id_1], prepared[link.id_2])
    return any(plainly_two_people(prepared[x], prepared[y]) for x in left for y in right)
