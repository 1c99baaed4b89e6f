"""Keeping the projections from the stored leads: a redelivered or late event changes nothing, a merged or erased lead
drops out, concurrent events for one lead leave one right answer, and a rebuild equals the live cells."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from datetime import timedelta

import pytest
from leadflow.adapters.memory import InMemoryLeadStore, InMemoryReportProjection
from leadflow.domain.report_cells import contribution
from leadflow.models.lead import Lead, Stage
from leadflow.models.reports import Cell
from leadflow.ports import ConcurrentUpdate
from leadflow.ports.reports import ContributionChange
from leadflow.services.report_rebuild import check, rebuild
from leadflow.services.reports import BatchOutcome, ReportDeps, project_events, project_lead

from tests.unit.reports.leads import CAPTURED, a_lead, assigned, scored, stage_entry

DAY = "2026-11-02"


@pytest.fixture
def deps() -> ReportDeps:
    return ReportDeps(leads=InMemoryLeadStore(), projection=InMemoryReportProjection())


def save(deps: ReportDeps, lead: Lead) -> Lead:
    store = deps.leads
    assert isinstance(store, InMemoryLeadStore)
    stored = store.get_lead(lead.lead_id)
    return store.save_lead(lead, expected_version=stored.version if stored else None)


def project_event(detail_type: str, detail: dict[str, object], deps: ReportDeps) -> list[str]:
    """One event delivered in a batch of its own: the leads whose counts it changed."""
    outcome = project_events([(detail_type, detail)], deps)
    assert outcome.failed == {}
    return outcome.changed


def cells(deps: ReportDeps, dimension: str = "all") -> dict[tuple[str, str], dict[str, int]]:
    read = deps.projection.cells(dimension, "2026-01-01", "2026-12-31")
    return {(cell.day, cell.value): counters for cell, counters in read.cells}


def test_a_redelivered_event_changes_nothing(deps: ReportDeps) -> None:
    save(deps, a_lead("lead_1", stage=Stage.MQL))
    event = {"lead_id": "lead_1", "from_stage": "new", "to_stage": "mql", "reason": "score"}

    first = project_event("lead.stage_changed", event, deps)
    again = project_event("lead.stage_changed", event, deps)

    assert (first, again) == (["lead_1"], [])
    assert cells(deps)[(DAY, "all")] == {"leads": 1, "mql": 1}


def test_a_late_event_cannot_take_a_lead_back_to_an_older_state(deps: ReportDeps) -> None:
    lead = save(deps, a_lead("lead_1"))
    save(deps, lead.model_copy(update={"stage": Stage.MQL}))
    project_lead("lead_1", deps)

    project_event("lead.created", {"lead_id": "lead_1"}, deps)  # delivered after the stage change

    assert cells(deps)[(DAY, "all")] == {"leads": 1, "mql": 1}


def test_a_merged_lead_is_retracted_and_its_survivor_counts_once(deps: ReportDeps) -> None:
    survivor, merged = save(deps, a_lead("lead_1")), save(deps, a_lead("lead_2", source="bing"))
    project_lead("lead_1", deps), project_lead("lead_2", deps)
    save(deps, merged.model_copy(update={"merged_into": survivor.lead_id}))

    project_event("lead.merged", {"lead_id": "lead_1", "merged_id": "lead_2"}, deps)

    assert cells(deps)[(DAY, "all")] == {"leads": 1}
    assert cells(deps, "source") == {(DAY, "google"): {"leads": 1}}


def test_an_erased_lead_drops_out_and_nothing_brings_it_back(deps: ReportDeps) -> None:
    save(deps, a_lead("lead_1", stage=Stage.MQL))
    project_lead("lead_1", deps)
    erased = ReportDeps(leads=InMemoryLeadStore(), projection=deps.projection)  # every item of the person deleted

    project_event("lead.erased", {"lead_id": "lead_1", "lead_ids": ["lead_1"]}, erased)
    project_event("lead.stage_changed", {"lead_id": "lead_1"}, deps)  # a late event, even one that still found it

    assert cells(deps) == {}
    assert project_lead("lead_1", deps, erased=True) is False


def test_concurrent_events_for_one_lead_leave_its_current_counts(deps: ReportDeps) -> None:
    lead = save(deps, a_lead("lead_1"))
    for stage in (Stage.MQL, Stage.SAL, Stage.SQL):
        lead = save(deps, lead.model_copy(update={"stage": stage}))
        deps.leads.add_history("lead_1", stage_entry(stage, CAPTURED + timedelta(minutes=len(stage))))  # type: ignore[attr-defined]
    barrier = threading.Barrier(8)

    def project() -> None:
        barrier.wait()
        project_lead("lead_1", deps)

    threads = [threading.Thread(target=project) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    counted = cells(deps)[(DAY, "all")]
    assert {name: counted.get(name) for name in ("leads", "mql", "sal", "sql")} == {
        "leads": 1,
        "mql": 1,
        "sal": 1,
        "sql": 1,
    }
    assert counted == contribution(lead, deps.leads.history("lead_1"))[Cell("all", DAY, "all")]  # type: ignore[attr-defined]


def test_a_rebuild_from_the_leads_equals_the_live_cells_and_repairs_a_damaged_projection(deps: ReportDeps) -> None:
    rng = random.Random(12)
    stages = [Stage.NEW, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY]
    for n in range(60):
        lead = a_lead(f"lead_{n}", source=rng.choice(["google", "bing", None]),
                      created_at=CAPTURED + timedelta(days=rng.randrange(40)))  # fmt: skip
        lead = save(deps, lead)
        project_lead(lead.lead_id, deps)
        for stage in stages[1 : rng.randrange(1, len(stages) + 1)]:
            owner = assigned(rng.choice(["rep-a", "rep-b"]))
            lead = save(
                deps, lead.model_copy(update={"stage": stage, "score": scored(rng.choice("ABC")), "assignment": owner})
            )
            project_lead(lead.lead_id, deps)
    store = deps.leads
    assert isinstance(store, InMemoryLeadStore)

    assert check(deps.projection, store).differences == []

    damaged = deps.projection
    assert isinstance(damaged, InMemoryReportProjection)
    damaged._cells[Cell("all", DAY, "all")]["leads"] += 5  # a cell written by hand
    assert check(damaged, store).differences != []
    result = rebuild(store, damaged, fresh=True)
    assert result.leads == 60
    assert check(damaged, store).differences == []


def test_a_burst_of_events_about_one_lead_ends_with_its_last_state_and_no_writer_gives_up(deps: ReportDeps) -> None:
    """Fifty submissions of one person at once: fifty saves of the lead, each announced, each projected at once."""
    save(deps, a_lead("lead_1"))
    stages = [Stage.NEW, Stage.MQL]
    errors: list[Exception] = []
    barrier = threading.Barrier(30)
    lock = threading.Lock()

    def change_then_project(n: int) -> None:
        barrier.wait()
        with lock:  # the lead's writers take turns (optimistic concurrency does this in the store)
            current = deps.leads.get_lead("lead_1")
            assert current is not None
            save(deps, current.model_copy(update={"stage": stages[n % 2], "score": scored("AB"[n % 2])}))
        try:
            project_lead("lead_1", deps)
        except Exception as exc:  # noqa: BLE001 - the test collects what any thread raised
            errors.append(exc)

    threads = [threading.Thread(target=change_then_project, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    final = deps.leads.get_lead("lead_1")
    assert final is not None
    assert errors == []
    assert deps.projection.contribution("lead_1").lead_version == final.version  # type: ignore[union-attr]
    assert cells(deps, "grade") == {
        (DAY, final.score.grade): {"leads": 1, **({"mql": 1} if final.stage == Stage.MQL else {})}
    }  # type: ignore[union-attr]


class CountingProjection(InMemoryReportProjection):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[list[str]] = []

    def replace_many(self, changes: Sequence[ContributionChange]) -> list[str]:
        self.writes.append([change.lead_id for change in changes])
        return super().replace_many(changes)


def test_a_batch_projects_each_lead_once_however_many_of_its_events_it_holds() -> None:
    projection = CountingProjection()
    deps = ReportDeps(leads=InMemoryLeadStore(), projection=projection)
    for n in range(3):
        save(deps, a_lead(f"lead_{n}", stage=Stage.MQL))
    batch = [
        (detail_type, {"lead_id": f"lead_{n}"})
        for n in range(3)
        for detail_type in ("lead.created", "lead.scored", "lead.stage_changed", "lead.assigned")
    ]

    outcome = project_events(batch, deps)

    assert outcome == BatchOutcome(changed=["lead_0", "lead_1", "lead_2"], failed={})
    assert projection.writes == [["lead_0", "lead_1", "lead_2"]]  # one write for the batch
    assert cells(deps)[(DAY, "all")] == {"leads": 3, "mql": 3}
    assert project_events(batch, deps) == BatchOutcome()  # the batch delivered again changes nothing


class BrokenLead(InMemoryLeadStore):
    def get_lead(self, lead_id: str) -> Lead | None:
        if lead_id == "lead_bad":
            raise RuntimeError("unreadable item")
        return super().get_lead(lead_id)


def test_a_lead_that_cannot_be_projected_is_reported_and_the_rest_of_the_batch_is_done() -> None:
    deps = ReportDeps(leads=BrokenLead(), projection=InMemoryReportProjection())
    save(deps, a_lead("lead_ok"))

    outcome = project_events(
        [("lead.created", {"lead_id": "lead_bad"}), ("lead.created", {"lead_id": "lead_ok"})], deps
    )

    assert outcome.changed == ["lead_ok"]
    assert list(outcome.failed) == ["lead_bad"] and "unreadable item" in str(outcome.failed["lead_bad"])
    assert cells(deps)[(DAY, "all")] == {"leads": 1}


class AlwaysRaced(InMemoryReportProjection):
    """Another writer always gets to the lead first."""

    def replace_many(self, changes: Sequence[ContributionChange]) -> list[str]:
        return [change.lead_id for change in changes]


def test_a_lead_that_keeps_losing_its_write_is_reported_failed_after_the_last_attempt() -> None:
    pauses: list[int] = []
    deps = ReportDeps(leads=InMemoryLeadStore(), projection=AlwaysRaced(), pause=pauses.append)
    save(deps, a_lead("lead_1"))

    outcome = project_events([("lead.created", {"lead_id": "lead_1"})], deps)

    assert isinstance(outcome.failed["lead_1"], ConcurrentUpdate) and outcome.changed == []
    assert pauses == list(range(1, len(pauses) + 1)) and len(pauses) >= 3  # paused longer before each try
    with pytest.raises(ConcurrentUpdate):
        project_lead("lead_1", deps)
