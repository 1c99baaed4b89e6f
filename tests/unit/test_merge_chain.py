"""Following a merged-away lead to the lead it lives on as (leadflow.domain.merge_chain)."""

from __future__ import annotations

import pytest
from leadflow.domain.merge_chain import MAX_MERGE_HOPS, MergeChainTooLong, follow_merges
from leadflow.models.lead import Lead

from tests.unit.conftest import NOW


def stored(*links: tuple[str, str | None]) -> dict[str, Lead]:
    """Leads by id, each (lead id, the lead it was merged into or None)."""
    return {
        lead_id: Lead(
            lead_id=lead_id,
            email=f"{lead_id}@northwind.example",
            email_canonical=f"{lead_id}@northwind.example",
            created_at=NOW,
            updated_at=NOW,
            last_submitted_at=NOW,
            merged_into=merged_into,
        )
        for lead_id, merged_into in links
    }


def chain(length: int) -> dict[str, Lead]:
    """lead_0 merged into lead_1, … into lead_<length>, which survives."""
    return stored(*((f"lead_{n}", f"lead_{n + 1}" if n < length else None) for n in range(length + 1)))


def test_a_lead_never_merged_away_is_its_own_survivor() -> None:
    leads = stored(("lead_a", None))

    assert follow_merges("lead_a", leads.get) == leads["lead_a"]


def test_a_lead_merged_away_twice_leads_to_the_last_survivor() -> None:
    leads = chain(2)

    assert follow_merges("lead_0", leads.get) == leads["lead_2"]


def test_an_unknown_lead_has_no_survivor() -> None:
    assert follow_merges("lead_missing", stored(("lead_a", None)).get) is None


def test_a_link_to_a_lead_no_longer_stored_ends_at_the_tombstone_holding_it() -> None:
    leads = stored(("lead_a", "lead_b"), ("lead_b", "lead_erased"))

    survivor = follow_merges("lead_a", leads.get)

    assert survivor == leads["lead_b"]
    assert survivor is not None and survivor.merged_into == "lead_erased"


def test_a_chain_as_long_as_the_bound_is_followed_to_its_end() -> None:
    leads = chain(MAX_MERGE_HOPS)

    assert follow_merges("lead_0", leads.get) == leads[f"lead_{MAX_MERGE_HOPS}"]


def test_a_chain_longer_than_the_bound_is_refused_naming_the_lead() -> None:
    with pytest.raises(MergeChainTooLong, match="lead_0"):
        follow_merges("lead_0", chain(MAX_MERGE_HOPS + 1).get)


def test_a_cycle_of_merges_is_refused_rather_than_settled_on_a_tombstone() -> None:
    leads = stored(("lead_a", "lead_b"), ("lead_b", "lead_a"))

    with pytest.raises(MergeChainTooLong):
        follow_merges("lead_a", leads.get)
