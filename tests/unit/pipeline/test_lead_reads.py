"""A step that has just read a lead saves its change without reading it again, and a write made in between is
still never lost: the save is conditional on the version the step read."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from leadflow.models.lead import Lead
from leadflow.services import pipeline
from leadflow.services.pipeline import PipelineDeps

from tests.unit.pipeline.conftest import submitted


def count_lead_reads(deps: PipelineDeps, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    reads: Counter[str] = Counter()
    read = deps.store.get_lead

    def counted(lead_id: str) -> Lead | None:
        reads[lead_id] += 1
        return read(lead_id)

    monkeypatch.setattr(deps.store, "get_lead", counted)
    return reads


def scored_mql(deps: PipelineDeps) -> Any:
    state: Any = submitted(deps, 1)
    for step in (pipeline.dedupe, pipeline.enrich_lead, pipeline.score):
        state = step(state, deps)
    return state


def test_dedupe_creates_a_new_email_s_lead_reading_it_once(deps: PipelineDeps, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = count_lead_reads(deps, monkeypatch)

    state = pipeline.dedupe(submitted(deps, 1), deps)

    assert state.lead is not None and state.lead.submission_ids == [state.submission_id]
    assert reads[state.lead.lead_id] == 1


def test_route_reads_the_lead_once_to_assign_it(deps: PipelineDeps, monkeypatch: pytest.MonkeyPatch) -> None:
    state = scored_mql(deps)
    reads = count_lead_reads(deps, monkeypatch)

    routed = pipeline.route(state, deps)

    assert routed.lead is not None and routed.lead.owner_id is not None
    assert reads[routed.lead.lead_id] == 1


def test_a_write_between_route_s_read_and_its_save_is_kept_and_the_lead_still_assigned(
    deps: PipelineDeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = scored_mql(deps)
    save = deps.store.save_lead
    interrupted: list[str] = []

    def another_writer_first(lead: Lead, *, expected_version: int | None) -> Lead:
        if not interrupted:  # a rep's note lands just before route saves its assignment
            interrupted.append(lead.lead_id)
            current = deps.store.get_lead(lead.lead_id)
            assert current is not None
            save(current.model_copy(update={"title": "CTO"}), expected_version=current.version)
        return save(lead, expected_version=expected_version)

    monkeypatch.setattr(deps.store, "save_lead", another_writer_first)

    routed = pipeline.route(state, deps)

    stored = deps.store.get_lead(interrupted[0])
    assert stored is not None and stored.title == "CTO"
    assert routed.lead is not None and stored.owner_id == routed.lead.owner_id is not None
