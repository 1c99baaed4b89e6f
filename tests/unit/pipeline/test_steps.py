"""The pipeline's steps over the in-memory twins: what dedupe, enrich, score, route and notify decide and announce,
including under retries and concurrent runs for the same person."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence

import pytest
from leadflow.adapters.memory import (
    InMemoryConfigStore,
)
from leadflow.domain.routing import NoEligibleRep
from leadflow.models.events import (
    LeadAssigned,
    LeadCreated,
    LeadStageChanged,
    LeadUpdated,
)
from leadflow.models.lead import Stage
from leadflow.services import pipeline
from leadflow.services.pipeline import MissingConfig, PipelineDeps

from tests.unit.conftest import bus, load_config
from tests.unit.pipeline.conftest import run_all, submitted


def test_second_submission_in_another_spelling_joins_the_first_lead(deps: PipelineDeps) -> None:
    first = pipeline.dedupe(submitted(deps, 1, "Dana.Whitfield@Snowflake.com"), deps)
    second = pipeline.dedupe(submitted(deps, 2, "dana.whitfield+events@snowflake.com"), deps)

    assert first.lead is not None and second.lead is not None
    assert second.lead.lead_id == first.lead.lead_id
    assert second.lead.submission_ids == [first.submission_id, second.submission_id]
    assert [type(e) for e in bus(deps).published] == [LeadCreated, LeadUpdated]


def test_retried_dedupe_does_not_count_the_submission_twice(deps: PipelineDeps) -> None:
    once = pipeline.dedupe(submitted(deps, 1), deps)
    twice = pipeline.dedupe(submitted(deps, 1), deps)

    assert twice.lead == once.lead
    assert twice.lead is not None and twice.lead.submission_ids == [once.submission_id]


def test_concurrent_submissions_of_one_person_all_land_on_one_lead(deps: PipelineDeps) -> None:
    states = [submitted(deps, n) for n in range(20)]
    threads = [threading.Thread(target=pipeline.dedupe, args=(s, deps)) for s in states]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    lead_id = deps.store.lead_for_identity("email", "dana.whitfield@snowflake.com")
    assert lead_id is not None
    lead = deps.store.get_lead(lead_id)
    assert lead is not None and sorted(lead.submission_ids) == [f"sub_{n:026d}" for n in range(20)]
    assert len(bus(deps).of_type(LeadCreated)) == 1


def test_qualified_lead_is_assigned_once_and_its_rep_notified_once_even_when_steps_retry(deps: PipelineDeps) -> None:
    done = run_all(submitted(deps, 1), deps)
    pipeline.route(done, deps)
    pipeline.notify(done, deps)

    assert done.lead is not None and done.lead.stage is Stage.MQL
    assert done.lead.assignment is not None and done.lead.owner_id == done.lead.assignment.rep_id
    assert len(bus(deps).of_type(LeadAssigned)) == 1
    assert len(bus(deps).of_type(LeadStageChanged)) == 1
    assert [n.rep_id for n in deps.outbox.recent()] == [done.lead.owner_id]


def test_round_robin_deals_leads_in_roster_order_skipping_the_inactive_rep(deps: PipelineDeps) -> None:
    owners = [run_all(submitted(deps, n, f"buyer{n}@snowflake.com"), deps).lead.owner_id for n in range(6)]  # type: ignore[union-attr]

    assert owners == [
        "dana-whitfield",
        "marcus-okafor",
        "tomas-lindqvist",
        "dana-whitfield",
        "marcus-okafor",
        "tomas-lindqvist",
    ]


def test_a_lead_that_is_not_qualified_is_not_routed(deps: PipelineDeps) -> None:
    done = run_all(submitted(deps, 1, "sam.reader@gmail.com", title=None, form_id="newsletter"), deps)

    assert done.lead is not None and done.lead.stage is Stage.NEW and done.lead.owner_id is None
    assert bus(deps).of_type(LeadAssigned) == []


def test_scoring_without_a_published_rule_set_fails_naming_it(deps: PipelineDeps) -> None:
    empty = InMemoryConfigStore()
    deduped = pipeline.dedupe(submitted(deps, 1), deps)

    with pytest.raises(MissingConfig, match="scoring"):
        pipeline.score(deduped, PipelineDeps(**{**deps.__dict__, "config": empty}))


def test_routing_with_no_active_rep_fails_rather_than_dropping_the_lead(deps: PipelineDeps) -> None:
    roster = load_config("reps.yaml")
    deps.config.publish("reps", {**roster, "reps": [{**r, "active": False} for r in roster["reps"]]})
    scored = pipeline.score(pipeline.enrich_lead(pipeline.dedupe(submitted(deps, 1), deps), deps), deps)

    with pytest.raises(NoEligibleRep):
        pipeline.route(scored, deps)
    assert scored.lead is not None
    assert deps.store.get_lead(scored.lead.lead_id) is not None


def test_a_misspelt_free_mail_domain_and_a_team_mailbox_are_flagged_on_the_lead(deps: PipelineDeps) -> None:
    typo = pipeline.dedupe(submitted(deps, 1, "sam.reader@gmial.com", title=None), deps)
    team = pipeline.dedupe(submitted(deps, 2, "info@snowflake.com", title=None), deps)

    assert typo.lead is not None and typo.lead.email_quality.typo_of == "gmail.com"
    assert team.lead is not None and team.lead.email_quality.role is True


def test_a_submission_whose_email_still_points_at_a_merged_away_lead_joins_the_survivor(deps: PipelineDeps) -> None:
    merged_away = pipeline.dedupe(submitted(deps, 1, "ada@snowflake.com"), deps).lead
    survivor = pipeline.dedupe(submitted(deps, 2, "grace@datadoghq.com"), deps).lead
    assert merged_away is not None and survivor is not None
    # The moment inside a merge after the tombstone is written and before the email claim moves.
    deps.store.save_lead(
        merged_away.model_copy(update={"merged_into": survivor.lead_id}), expected_version=merged_away.version
    )

    joined = pipeline.dedupe(submitted(deps, 3, "ada@snowflake.com"), deps).lead

    assert joined is not None and joined.lead_id == survivor.lead_id
    assert f"sub_{3:026d}" in joined.submission_ids


def test_dedupe_writes_what_points_at_the_saved_lead_together_and_announces_it_after(deps: PipelineDeps) -> None:
    handed: list[int] = []

    def together(writes: Sequence[Callable[[], object]]) -> list[object]:
        handed.append(len(writes))
        assert bus(deps).published == []  # nothing announced before the lead's pointers are written
        return [write() for write in writes]

    deduped = pipeline.dedupe(
        submitted(deps, 1, phone="+1 415 555 0100"), dataclasses.replace(deps, side_by_side=together)
    )

    # the match index, the phone's claim, the history entry and the submission's link: one round of writes
    assert handed == [4]
    lead = deduped.lead
    assert lead is not None
    assert deps.store.lead_for_identity("phone", "+14155550100") == lead.lead_id
    assert [entry.kind for entry in deps.store.history(lead.lead_id)] == ["submission"]
    assert deps.store.get_submission(deduped.submission_id).lead_id == lead.lead_id  # type: ignore[union-attr]
    assert [type(event).__name__ for event in bus(deps).published] == ["LeadCreated"]
