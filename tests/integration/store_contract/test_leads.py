"""The store contract for identities, leads and their history: one owner per identity, versioned saves that never
lose a write, history kept once per kind and ref."""

from __future__ import annotations

from datetime import timedelta

import pytest
from leadflow.models.lead import (
    HistoryEntry,
    Stage,
)
from leadflow.ports import ConcurrentUpdate

from tests.integration.store_contract.conftest import (
    NOW,
    Stores,
    all_at_once,
    lead,
    whole_lead,
)

# Identities ----------------------------------------------------------------------------------------------------------


def test_an_identity_claimed_by_20_threads_at_once_has_exactly_one_owner(stores: Stores) -> None:
    owners = all_at_once(20, lambda i: stores.leads.claim_identity("email", "ada@example.com", f"lead-{i}"))

    assert len(set(owners)) == 1
    assert owners[0] in {f"lead-{i}" for i in range(20)}
    assert stores.leads.lead_for_identity("email", "ada@example.com") == owners[0]


def test_claiming_an_identity_that_is_taken_returns_its_owner(stores: Stores) -> None:
    stores.leads.claim_identity("email", "ada@example.com", "lead-1")

    assert stores.leads.claim_identity("email", "ada@example.com", "lead-2") == "lead-1"
    assert stores.leads.claim_identity("email", "ada@example.com", "lead-1") == "lead-1"


def test_an_unclaimed_identity_has_no_lead(stores: Stores) -> None:
    stores.leads.claim_identity("email", "ada@example.com", "lead-1")

    assert stores.leads.lead_for_identity("email", "grace@example.com") is None
    assert stores.leads.lead_for_identity("phone", "ada@example.com") is None


# Leads ---------------------------------------------------------------------------------------------------------------


def test_a_new_lead_is_stored_at_version_1_and_reads_back_equal(stores: Stores) -> None:
    original = whole_lead(stage=Stage.MQL, owner_id="rep-ana")

    stored = stores.leads.save_lead(original, expected_version=None)

    assert stored == original.model_copy(update={"version": 1})
    assert stores.leads.get_lead("lead-1") == stored


def test_saving_at_the_version_read_increments_it(stores: Stores) -> None:
    first = stores.leads.save_lead(lead(), expected_version=None)

    second = stores.leads.save_lead(first.model_copy(update={"company": "Example"}), expected_version=first.version)

    assert second.version == 2
    assert stores.leads.get_lead("lead-1") == second


def test_leads_read_together_come_as_stored_in_the_order_asked_each_once_the_missing_left_out(stores: Stores) -> None:
    # more than one BatchGetItem holds (100 keys), so the reads go in several requests
    saved = [stores.leads.save_lead(lead(f"lead-{n:03d}"), expected_version=None) for n in range(120)]
    newer = stores.leads.save_lead(saved[7].model_copy(update={"company": "Newer"}), expected_version=1)
    asked = [f"lead-{n:03d}" for n in range(119, -1, -1)] + ["lead-404", "lead-007"]

    found = stores.leads.get_leads(asked)

    assert [found_lead.lead_id for found_lead in found] == [f"lead-{n:03d}" for n in range(119, -1, -1)]
    assert found[119 - 7] == newer
    assert found[0] == saved[119]
    assert stores.leads.get_leads([]) == []


def test_saving_with_a_stale_version_raises_concurrent_update_and_keeps_the_newer(stores: Stores) -> None:
    first = stores.leads.save_lead(lead(), expected_version=None)
    stores.leads.save_lead(first.model_copy(update={"company": "Newer"}), expected_version=1)

    with pytest.raises(ConcurrentUpdate):
        stores.leads.save_lead(first.model_copy(update={"company": "Stale"}), expected_version=1)

    stored = stores.leads.get_lead("lead-1")
    assert stored is not None and (stored.version, stored.company) == (2, "Newer")


def test_creating_a_lead_that_exists_raises_concurrent_update(stores: Stores) -> None:
    stores.leads.save_lead(lead(), expected_version=None)

    with pytest.raises(ConcurrentUpdate):
        stores.leads.save_lead(lead(), expected_version=None)


def test_saving_a_lead_that_does_not_exist_at_a_version_raises_concurrent_update(stores: Stores) -> None:
    with pytest.raises(ConcurrentUpdate):
        stores.leads.save_lead(lead(), expected_version=3)

    assert stores.leads.get_lead("lead-1") is None


def test_of_20_threads_saving_from_the_same_version_exactly_one_wins(stores: Stores) -> None:
    base = stores.leads.save_lead(lead(), expected_version=None)

    def save(i: int) -> bool:
        try:
            stores.leads.save_lead(base.model_copy(update={"company": f"Co {i}"}), expected_version=base.version)
        except ConcurrentUpdate:
            return False
        return True

    assert sum(all_at_once(20, save)) == 1
    stored = stores.leads.get_lead("lead-1")
    assert stored is not None and stored.version == 2


# History -------------------------------------------------------------------------------------------------------------


def test_history_is_idempotent_on_kind_and_ref_even_when_retried_at_another_time(stores: Stores) -> None:
    assert stores.leads.add_history("lead-1", HistoryEntry(at=NOW, kind="submission", ref="sub-1")) is True

    retried = HistoryEntry(at=NOW + timedelta(seconds=30), kind="submission", ref="sub-1", detail={"retry": True})
    assert stores.leads.add_history("lead-1", retried) is False

    assert stores.leads.history("lead-1") == [HistoryEntry(at=NOW, kind="submission", ref="sub-1")]


def test_history_reads_back_in_time_order(stores: Stores) -> None:
    # Microseconds matter: 09:00:00 and 09:00:00.5 must sort as times, not as pydantic's ISO strings would.
    entries = [
        HistoryEntry(at=NOW + timedelta(seconds=2), kind="scored", ref="v2", detail={"total": 72, "ratio": 0.5}),
        HistoryEntry(at=NOW, kind="submission", ref="sub-1", detail={"form_id": "demo-request"}),
        HistoryEntry(at=NOW + timedelta(milliseconds=500), kind="enriched", ref="example.com"),
        HistoryEntry(at=NOW + timedelta(seconds=1), kind="submission", ref="sub-2"),
    ]
    for entry in entries:
        stores.leads.add_history("lead-1", entry)
    stores.leads.add_history("lead-2", HistoryEntry(at=NOW, kind="submission", ref="sub-9"))

    assert stores.leads.history("lead-1") == sorted(entries, key=lambda entry: entry.at)


def test_the_same_history_entry_added_by_20_threads_at_once_is_kept_once(stores: Stores) -> None:
    def add(i: int) -> bool:
        at = NOW + timedelta(milliseconds=i)
        return stores.leads.add_history("lead-1", HistoryEntry(at=at, kind="assigned", ref="rep-ana"))

    assert sum(all_at_once(20, add)) == 1
    assert len(stores.leads.history("lead-1")) == 1
