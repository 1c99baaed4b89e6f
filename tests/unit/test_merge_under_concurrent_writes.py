"""A merge while the pipeline or nurture writes one of the two leads: it is decided again on the fresh survivor, the
merged-away lead becomes a tombstone whatever was written to it meanwhile, and nothing is left half-merged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from leadflow.adapters.memory import InMemoryLeadStore
from leadflow.models.lead import Lead
from leadflow.ports import ConcurrentUpdate
from leadflow.services.curation import merge_pair, unmerge_lead
from leadflow.services.pipeline_deps import PipelineDeps

from tests.unit.conftest import load_config, memory_deps

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class WrittenMeanwhile(InMemoryLeadStore):
    """Before the merge's own write of `lead_id`, someone else writes it (`times` times): the merge's copy is stale."""

    def __init__(self, lead_id: str, times: int) -> None:
        super().__init__()
        self.lead_id, self.times = lead_id, times

    def save_lead(self, lead: Lead, *, expected_version: int | None) -> Lead:
        if lead.lead_id == self.lead_id and self.times > 0 and expected_version is not None:
            self.times -= 1
            current = self.get_lead(lead.lead_id)
            assert current is not None
            super().save_lead(
                current.model_copy(update={"title": "Written meanwhile"}), expected_version=current.version
            )
        return super().save_lead(lead, expected_version=expected_version)


def two_leads(store: InMemoryLeadStore) -> tuple[str, str]:
    for lead_id, email in (("lead_a", "ada@acme.example"), ("lead_b", "ada.l@acme.example")):
        store.save_lead(
            Lead(lead_id=lead_id, email=email, email_canonical=email, created_at=NOW, updated_at=NOW),
            expected_version=None,
        )
        store.claim_identity("email", email, lead_id)
    return "lead_a", "lead_b"


def deps_with(store: InMemoryLeadStore) -> PipelineDeps:
    base = memory_deps(NOW, {"matching": load_config("matching.yaml"), "scoring": load_config("scoring.yaml")})
    return replace(base, store=store)


@pytest.mark.parametrize("written", ["lead_a", "lead_b"])
def test_a_lead_written_while_it_is_merged_ends_merged_and_keeps_the_other_write(written: str) -> None:
    store = WrittenMeanwhile(written, times=1)
    survivor_id, other_id = two_leads(store)

    merged = merge_pair(survivor_id, other_id, actor="rep:dana", deps=deps_with(store))

    tombstone = store.get_lead(other_id)
    assert tombstone is not None and tombstone.merged_into == survivor_id
    assert merged.lead_id == survivor_id and other_id in merged.merged_from
    assert len(store.merge_records(survivor_id)) == 1  # decided twice, recorded once
    assert "Written meanwhile" in {merged.title, tombstone.title}


def test_a_survivor_that_keeps_changing_is_a_conflict_and_nothing_is_merged() -> None:
    store = WrittenMeanwhile("lead_a", times=99)
    survivor_id, other_id = two_leads(store)

    with pytest.raises(ConcurrentUpdate):
        merge_pair(survivor_id, other_id, actor="rep:dana", deps=deps_with(store))

    other: Any = store.get_lead(other_id)
    assert other.merged_into is None


@pytest.mark.parametrize("written", ["lead_a", "lead_b"])
def test_an_undo_while_nurture_writes_either_lead_gives_both_back_and_the_address_to_its_owner(written: str) -> None:
    store = WrittenMeanwhile(written, times=0)
    survivor_id, other_id = two_leads(store)
    deps = deps_with(store)
    merge_pair(survivor_id, other_id, actor="rep:dana", deps=deps)
    store.times = 1  # the merge's consequences land while the undo is under way

    survivor, restored = unmerge_lead(survivor_id, actor="rep:dana", deps=deps)

    assert restored.merged_into is None and other_id not in survivor.merged_from
    stored_other: Any = store.get_lead(other_id)
    assert stored_other.merged_into is None
    assert store.lead_for_identity("email", "ada.l@acme.example") == other_id
    assert store.merge_records(survivor_id) == []


def test_an_undo_that_keeps_losing_to_writes_is_a_conflict_and_leaves_the_merge_in_place() -> None:
    store = WrittenMeanwhile("lead_a", times=0)
    survivor_id, other_id = two_leads(store)
    deps = deps_with(store)
    merge_pair(survivor_id, other_id, actor="rep:dana", deps=deps)
    store.times = 99

    with pytest.raises(ConcurrentUpdate):
        unmerge_lead(survivor_id, actor="rep:dana", deps=deps)

    tombstone: Any = store.get_lead(other_id)
    assert tombstone.merged_into == survivor_id and len(store.merge_records(survivor_id)) == 1
