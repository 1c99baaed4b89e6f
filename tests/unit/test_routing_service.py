"""Routing through the service on the in-memory twins: rules, strategies, availability, capacity, account owners,
the fallback queue and reassignment, as a lead's owner and assignment show them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from leadflow.clock import FixedClock
from leadflow.domain.routing import NoEligibleRep
from leadflow.models.account import Account
from leadflow.models.events import LeadAssigned, LeadReassigned
from leadflow.models.lead import Firmographics, Lead, Stage
from leadflow.services.pipeline_deps import PipelineDeps
from leadflow.services.routing import ReassignmentRefused, UnknownRep, assign_lead, reassign_lead

from tests.unit.conftest import memory_deps

MONDAY_MORNING = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # 10:30 in Berlin
MONDAY_NIGHT = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
BERLIN_HOURS = {
    "days": ["mon", "tue", "wed", "thu", "fri"],
    "start": "09:00",
    "end": "17:00",
    "timezone": "Europe/Berlin",
}


def rep(rep_id: str, **extra: Any) -> dict[str, Any]:
    return {"rep_id": rep_id, "name": rep_id.title(), "email": f"{rep_id}@example.com", **extra}


def routing(*rules: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"account_owner_first": True, "fallback_queue": "queue:unassigned", "rules": list(rules), **extra}


def team_rule(team: str = "sales", strategy: str = "round_robin", rule_id: str = "all", **when: Any) -> dict[str, Any]:
    return {"id": rule_id, "when": when, "assign": {"team": team, "strategy": strategy}}


def make_deps(reps: list[dict[str, Any]], teams: list[dict[str, Any]], rules: dict[str, Any] | None,
              at: datetime = MONDAY_MORNING) -> PipelineDeps:  # fmt: skip
    rule_sets: dict[str, dict[str, Any]] = {"reps": {"reps": reps, "teams": teams}}
    if rules is not None:
        rule_sets["routing"] = rules
    return memory_deps(at, rule_sets)


def sales(*members: str | tuple[str, int], manager: str | None = None) -> dict[str, Any]:
    listed = [{"rep": m, "weight": 1} if isinstance(m, str) else {"rep": m[0], "weight": m[1]} for m in members]
    return {"id": "sales", "name": "Sales", "manager": manager, "members": listed}


def mql(deps: PipelineDeps, n: int, *, account: str | None = None, **profile: Any) -> str:
    lead_id = f"lead_{n:026d}"
    email = f"buyer{n}@{account or 'example.org'}"
    lead = Lead(lead_id=lead_id, email=email, email_canonical=email, created_at=MONDAY_MORNING,
                updated_at=MONDAY_MORNING, stage=Stage.MQL, account_id=account, **profile)  # fmt: skip
    deps.store.save_lead(lead, expected_version=None)
    if account:
        deps.store.link_account(Account(account_id=account, created_at=MONDAY_MORNING), lead_id)
    return lead_id


def owners(deps: PipelineDeps, count: int, start: int = 0) -> list[str | None]:
    return [assign_lead(mql(deps, start + n), deps).owner_id for n in range(count)]


def test_round_robin_over_a_team_deals_in_turn() -> None:
    deps = make_deps([rep("ana"), rep("ben"), rep("cleo")], [sales("ana", "ben", "cleo")], routing(team_rule()))

    assert owners(deps, 6) == ["ana", "ben", "cleo", "ana", "ben", "cleo"]


def test_weighted_3_1_1_is_within_5_percent_of_target_over_10000_leads() -> None:
    deps = make_deps([rep("ana"), rep("ben"), rep("cleo")], [sales(("ana", 3), "ben", "cleo")],
                     routing(team_rule(strategy="weighted")))  # fmt: skip

    counts = Counter(owners(deps, 10_000))

    for rep_id, share in (("ana", 0.6), ("ben", 0.2), ("cleo", 0.2)):
        assert abs(counts[rep_id] - share * 10_000) <= 0.05 * share * 10_000, counts


def test_least_loaded_gives_the_lead_to_the_rep_with_fewest_open_leads() -> None:
    deps = make_deps([rep("ana"), rep("ben")], [sales("ana", "ben")], routing(team_rule(strategy="least_loaded")))
    for _ in range(3):
        deps.config.next_in_sequence("open#ana")

    assert owners(deps, 3) == ["ben", "ben", "ben"]


def test_a_rep_out_of_office_is_skipped_with_the_reason() -> None:
    away = {"from": "2026-03-01T00:00:00Z", "until": "2026-03-09T00:00:00Z"}
    deps = make_deps([rep("ana", out_of_office=[away]), rep("ben")], [sales("ana", "ben")], routing(team_rule()))

    lead = assign_lead(mql(deps, 1), deps)

    assert lead.owner_id == "ben"
    assert lead.assignment is not None
    assert lead.assignment.skipped == {"ana": "out_of_office until 2026-03-09T00:00:00+00:00"}


def test_a_rep_at_capacity_is_skipped_with_the_reason_and_the_limit_holds() -> None:
    deps = make_deps([rep("ana", max_open=2), rep("ben")], [sales("ana", "ben")], routing(team_rule()))

    leads = [assign_lead(mql(deps, n), deps) for n in range(6)]

    assert [lead.owner_id for lead in leads] == ["ana", "ben", "ana", "ben", "ben", "ben"]
    assert leads[4].assignment is not None and leads[4].assignment.skipped == {"ana": "at capacity (open 2/2)"}


def test_a_rep_at_the_daily_limit_is_skipped_with_the_reason() -> None:
    deps = make_deps([rep("ana", max_new_per_day=1), rep("ben")], [sales("ana", "ben")], routing(team_rule()))

    leads = [assign_lead(mql(deps, n), deps) for n in range(3)]

    assert [lead.owner_id for lead in leads] == ["ana", "ben", "ben"]
    assert leads[2].assignment is not None and leads[2].assignment.skipped == {"ana": "daily limit reached (1/1)"}


def test_outside_working_hours_is_a_preference_within_hours_reps_go_first() -> None:
    deps = make_deps([rep("ana", working_hours={**BERLIN_HOURS, "timezone": "America/New_York"}), rep("ben")],
                     [sales("ana", "ben")], routing(team_rule()))  # fmt: skip

    lead = assign_lead(mql(deps, 1), deps)

    assert lead.owner_id == "ben"
    assert lead.assignment is not None
    assert lead.assignment.skipped == {
        "ana": "outside working hours (mon,tue,wed,thu,fri 09:00-17:00 America/New_York)"
    }


def test_at_night_the_lead_still_goes_to_an_available_rep_not_the_queue() -> None:
    reps = [rep("ana", working_hours=BERLIN_HOURS), rep("ben", working_hours=BERLIN_HOURS)]
    deps = make_deps(reps, [sales("ana", "ben")], routing(team_rule()), at=MONDAY_NIGHT)

    lead = assign_lead(mql(deps, 1), deps)

    assert lead.owner_id in {"ana", "ben"}
    assert lead.assignment is not None and "nobody was within working hours" in (lead.assignment.reason or "")


def test_the_account_owner_wins_over_round_robin() -> None:
    deps = make_deps([rep("ana"), rep("ben"), rep("cleo")], [sales("ana", "ben", "cleo")], routing(team_rule()))
    first = assign_lead(mql(deps, 1, account="acme.example"), deps)

    later = [assign_lead(mql(deps, n, account="acme.example"), deps) for n in range(2, 5)]

    assert {lead.owner_id for lead in later} == {first.owner_id}
    assert later[0].assignment is not None and later[0].assignment.strategy == "account_owner"


def test_an_unavailable_account_owner_is_skipped_and_the_rules_decide() -> None:
    deps = make_deps([rep("ana", max_open=1), rep("ben")], [sales("ana", "ben")], routing(team_rule()))
    assign_lead(mql(deps, 1, account="acme.example"), deps)  # ana, now at capacity

    lead = assign_lead(mql(deps, 2, account="acme.example"), deps)

    assert lead.owner_id == "ben"
    assert lead.assignment is not None and lead.assignment.skipped["ana"] == "account owner, at capacity (open 1/1)"


def test_rules_match_on_country_postcode_range_size_and_product() -> None:
    rules = routing(
        {"id": "ny", "when": {"country": "US", "postcode": {"from": "10000", "to": "14999"}}, "assign": {"rep": "ana"}},
        {"id": "big", "when": {"employees": {"gte": 1000}, "fields.product": ["analytics"]}, "assign": {"rep": "ben"}},
        team_rule(team="sales", rule_id="rest"),
    )
    deps = make_deps([rep("ana"), rep("ben"), rep("cleo")], [sales("cleo")], rules)
    big = Firmographics(domain="big.example", employees=5000)

    ny = assign_lead(mql(deps, 1, country="us", fields={"postcode": "12345"}), deps)
    nj = assign_lead(mql(deps, 2, country="US", fields={"postcode": "07001"}), deps)
    product = assign_lead(mql(deps, 3, firmographics=big, fields={"product": "Analytics"}), deps)

    assert (ny.owner_id, ny.assignment.rule if ny.assignment else None) == ("ana", "ny")
    assert (nj.owner_id, product.owner_id) == ("cleo", "ben")


def test_no_matching_rule_sends_the_lead_to_the_fallback_queue() -> None:
    deps = make_deps([rep("ana")], [sales("ana")], routing(team_rule(country="FR")))

    lead = assign_lead(mql(deps, 1, country="DE"), deps)

    assert lead.owner_id == "queue:unassigned"
    assert lead.assignment is not None and lead.assignment.rule == "no_rule_matched"
    assert len(deps.bus.published) == 1  # type: ignore[attr-defined]


def test_nobody_eligible_sends_the_lead_to_the_fallback_queue_never_losing_it() -> None:
    deps = make_deps([rep("ana", active=False), rep("ben", max_open=1)], [sales("ana", "ben")], routing(team_rule()))
    assign_lead(mql(deps, 1), deps)

    lead = assign_lead(mql(deps, 2), deps)

    assert lead.owner_id == "queue:unassigned"
    assert lead.assignment is not None
    assert lead.assignment.skipped == {"ana": "inactive", "ben": "at capacity (open 1/1)"}
    assert deps.store.get_lead(lead.lead_id) is not None


def test_without_a_fallback_queue_nobody_eligible_raises_no_eligible_rep() -> None:
    deps = make_deps([rep("ana", active=False)], [sales("ana")], routing(team_rule(), fallback_queue=None))

    with pytest.raises(NoEligibleRep, match=r"ana \(inactive\)"):
        assign_lead(mql(deps, 1), deps)


def test_the_assignment_explains_rule_strategy_pool_candidates_and_versions() -> None:
    deps = make_deps([rep("ana"), rep("ben", active=False)], [sales("ana", "ben")], routing(team_rule()))

    assignment = assign_lead(mql(deps, 1), deps).assignment

    assert assignment is not None
    explained = (assignment.rule, assignment.strategy, assignment.pool, assignment.team)
    assert explained == ("all", "round_robin", "team:sales", "sales")
    assert (assignment.candidates, assignment.skipped) == (["ana"], {"ben": "inactive"})
    assert (assignment.ruleset_version, assignment.routing_version, assignment.cursor) == (1, 1, 1)


def test_assigning_twice_changes_nothing() -> None:
    deps = make_deps([rep("ana"), rep("ben")], [sales("ana", "ben")], routing(team_rule()))
    lead_id = mql(deps, 1)

    first = assign_lead(lead_id, deps)
    again = assign_lead(lead_id, deps)

    assert again.owner_id == first.owner_id and again.version == first.version
    assert deps.config.counter("open#ana") + deps.config.counter("open#ben") == 1


def test_reassigning_picks_someone_other_than_the_owner_and_announces_it() -> None:
    deps = make_deps([rep("ana"), rep("ben")], [sales("ana", "ben")], routing(team_rule()))
    lead_id = mql(deps, 1)
    assign_lead(lead_id, deps)

    lead = reassign_lead(lead_id, deps, actor="sla", reason="not touched within 15 minutes")

    assert lead.owner_id == "ben"
    assert lead.assignment is not None and lead.assignment.previous_owner == "ana"
    assert (deps.config.counter("open#ana"), deps.config.counter("open#ben")) == (0, 1)
    reassigned = deps.bus.of_type(LeadReassigned)  # type: ignore[attr-defined]
    assert [(e.from_rep, e.to_rep, e.actor) for e in reassigned] == [("ana", "ben", "sla")]
    assert len(deps.bus.of_type(LeadAssigned)) == 2  # type: ignore[attr-defined]
    assert [entry.kind for entry in deps.store.history(lead_id)][-1] == "reassigned"


def test_a_manager_can_name_the_new_owner_even_at_capacity() -> None:
    deps = make_deps([rep("ana"), rep("ben", max_open=1)], [sales("ana", "ben")], routing(team_rule()))
    deps.config.next_in_sequence("open#ben")
    lead_id = mql(deps, 1)
    assign_lead(lead_id, deps)

    lead = reassign_lead(lead_id, deps, actor="dana", reason="knows the account", to_rep="ben")

    assert (lead.owner_id, lead.assignment.strategy if lead.assignment else None) == ("ben", "manager")


def test_reassigning_to_an_unknown_or_inactive_rep_is_refused() -> None:
    deps = make_deps([rep("ana"), rep("ben", active=False)], [sales("ana", "ben")], routing(team_rule()))
    lead_id = mql(deps, 1)
    assign_lead(lead_id, deps)

    with pytest.raises(UnknownRep):
        reassign_lead(lead_id, deps, actor="dana", reason="x", to_rep="zed")
    with pytest.raises(ReassignmentRefused, match="inactive"):
        reassign_lead(lead_id, deps, actor="dana", reason="x", to_rep="ben")


def test_the_manager_of_a_rep_is_their_teams_manager() -> None:
    deps = make_deps([rep("ana"), rep("ben")], [sales("ana", "ben", manager="ana")], None)
    from leadflow.services.routing import routing_config

    roster = routing_config(deps.config).roster
    manager = roster.manager_of("ben")

    assert manager is not None and manager.rep_id == "ana"
    assert roster.manager_of("ana") is None


def test_a_queued_lead_can_be_pulled_out_by_reassignment() -> None:
    deps = make_deps([rep("ana", max_open=1)], [sales("ana")], routing(team_rule()))
    assign_lead(mql(deps, 1), deps)
    queued = assign_lead(mql(deps, 2), deps)
    deps.config.decrement("open#ana")  # ana closed a lead

    lead = reassign_lead(queued.lead_id, deps, actor="dana", reason="capacity freed")

    assert (queued.owner_id, lead.owner_id) == ("queue:unassigned", "ana")


def test_daily_limits_reset_at_the_reps_midnight() -> None:
    deps = make_deps([rep("ana", max_new_per_day=1, working_hours=BERLIN_HOURS)], [sales("ana")], routing(team_rule()))
    assign_lead(mql(deps, 1), deps)
    assert isinstance(deps.clock, FixedClock)
    deps = PipelineDeps(**{**deps.__dict__, "clock": FixedClock(MONDAY_MORNING + timedelta(days=1))})

    assert assign_lead(mql(deps, 2), deps).owner_id == "ana"
