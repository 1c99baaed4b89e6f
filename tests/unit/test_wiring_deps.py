"""Each function is handed only the adapters its use case touches, built once per cold start: a job or route that
changes leads gets the leads and config tables, the bus and the clock, and not the pipeline's match index, outbox or
enrichment sources; the steps and the SLA timer get what they add to that."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from typing import Any

import pytest
from leadflow import wiring
from leadflow.settings import Settings
from leadflow.wiring import erasure as erasure_wiring

ENV = {
    "LEADS_TABLE": "leads",
    "CONFIG_TABLE": "config",
    "IDEMPOTENCY_TABLE": "idempotency",
    "OUTBOX_TABLE": "outbox",
    "EVENT_BUS_NAME": "bus",
    "API_BASE_URL": "https://api.example",
}
LEAD_CHANGES = {"store", "config", "bus", "clock"}


@pytest.fixture
def wired(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The wiring of a cold start with these settings (building clients only: nothing is called)."""
    wiring.reset()
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    settings = Settings.from_environ(ENV)
    monkeypatch.setattr(wiring, "settings", lambda: settings)
    yield
    for cached in (wiring._dynamodb, wiring.lead_store, wiring.match_index, wiring.config_store, wiring.outbox):
        cached.cache_clear()
    for more in (
        wiring.event_bus,
        wiring.enrichment_provider,
        erasure_wiring.suppression_check,
        erasure_wiring.suppression_list,
    ):
        more.cache_clear()


def _handed(deps: Any) -> set[str]:
    return {field.name for field in fields(deps)}


@pytest.mark.usefixtures("wired")
def test_a_use_case_that_changes_leads_is_handed_the_leads_and_config_tables_the_bus_and_the_clock_only() -> None:
    # when the wiring builds the deps of the jobs and routes that change leads, and of the score and route steps
    builders = [
        wiring.decay_deps,
        wiring.recycle_deps,
        wiring.training_deps,
        wiring.stage_change_deps,
        wiring.outcome_deps,
        wiring.consent_deps,
        wiring.touch_deps,
        wiring.reassignment_deps,
        wiring.score_deps,
        wiring.route_deps,
    ]

    # then each is handed exactly those four, and no adapter of the pipeline's other steps
    assert {builder.__name__: _handed(builder()) for builder in builders} == {
        builder.__name__: LEAD_CHANGES for builder in builders
    }


@pytest.mark.usefixtures("wired")
def test_the_steps_and_the_sla_timer_are_handed_what_they_add_to_a_lead_change() -> None:
    # when the wiring builds the deps of the dedupe, enrich and notify steps, duplicate resolution and the SLA timer
    # then each gets only what it adds
    assert _handed(wiring.dedupe_deps()) == LEAD_CHANGES | {"index", "suppressed", "side_by_side"}
    assert _handed(wiring.curation_deps()) == LEAD_CHANGES | {"index"}
    assert _handed(wiring.notify_deps()) == LEAD_CHANGES | {"outbox", "api_base_url"}
    assert _handed(wiring.sla_deps()) == LEAD_CHANGES | {"outbox", "api_base_url"}
    assert _handed(wiring.enrich_deps()) == {"store", "bus", "clock", "directory", "enrichment"}
    assert wiring.sla_deps().api_base_url == "https://api.example"


@pytest.mark.usefixtures("wired")
def test_the_adapters_are_built_once_per_cold_start_and_shared_by_every_use_case() -> None:
    # when two functions' deps are built in one execution environment
    decay, sla = wiring.decay_deps(), wiring.sla_deps()

    # then they hold the same clients, built once
    assert decay.store is sla.store is wiring.lead_store()
    assert decay.config is sla.config is wiring.config_store()
    assert decay.bus is sla.bus is wiring.event_bus()
