"""Which track a lead enters, and when an enrolment must end."""

from __future__ import annotations

from datetime import timedelta

from leadflow.domain.nurture_entry import choose_track, ended, exit_reason, new_enrolment, with_enrolment
from leadflow.models.lead import Stage

from tests.unit.nurture.tracks import MONDAY_10_UTC, a_lead, ruleset, welcome


def recapture(**overrides: object) -> dict[str, object]:
    return welcome(
        id="recapture",
        entry={"cause": "disqualified", "reasons": ["lost_to_competitor"]},
        steps=[{"id": "pitch", "type": "email", "template": "recapture"}],
        **overrides,
    )


def test_a_disqualified_lead_enters_the_track_of_its_reason_only() -> None:
    rules = ruleset(welcome(), recapture())
    lead = a_lead(stage=Stage.DISQUALIFIED)

    chosen = choose_track(lead, rules, "disqualified", MONDAY_10_UTC, reason_code="lost_to_competitor")
    other = choose_track(lead, rules, "disqualified", MONDAY_10_UTC, reason_code="no_budget")

    assert chosen is not None and chosen.id == "recapture"
    assert other is None


def test_the_higher_priority_track_wins_when_several_admit_the_lead() -> None:
    general = welcome(id="general", priority=1)
    uk = welcome(id="uk", priority=5, entry={"cause": "scored_below_mql", "when": {"country": "GB"}})
    rules = ruleset(general, uk)

    assert choose_track(a_lead(country="GB"), rules, "scored_below_mql", MONDAY_10_UTC).id == "uk"  # type: ignore[union-attr]
    assert choose_track(a_lead(country="FR"), rules, "scored_below_mql", MONDAY_10_UTC).id == "general"  # type: ignore[union-attr]


def test_a_lead_in_one_track_enters_no_second_unless_that_track_runs_beside_others() -> None:
    rules = ruleset(welcome(), welcome(id="webinars", concurrent=True, priority=1))
    lead = a_lead()
    lead = with_enrolment(lead, new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC), keep=10)

    chosen = choose_track(lead, rules, "scored_below_mql", MONDAY_10_UTC + timedelta(hours=1))

    assert chosen is not None and chosen.id == "webinars"


def test_a_track_that_never_readmits_is_not_entered_twice_and_one_with_a_delay_after_it() -> None:
    once = ruleset(welcome(reentry="never"))
    later = ruleset(welcome(reentry={"after_days": 90}))
    lead = a_lead()
    done = ended(new_enrolment(lead, once.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC), "completed", MONDAY_10_UTC)
    lead = with_enrolment(lead, done, keep=10)

    assert choose_track(lead, once, "scored_below_mql", MONDAY_10_UTC + timedelta(days=400)) is None
    assert choose_track(lead, later, "scored_below_mql", MONDAY_10_UTC + timedelta(days=30)) is None
    assert choose_track(lead, later, "scored_below_mql", MONDAY_10_UTC + timedelta(days=90)) is not None


def test_a_score_below_mql_never_enrols_a_lead_that_sales_is_working() -> None:
    rules = ruleset()

    for stage in (Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER):
        assert choose_track(a_lead(stage=stage), rules, "scored_below_mql", MONDAY_10_UTC) is None


def test_a_merged_away_lead_enters_nothing() -> None:
    assert choose_track(a_lead(merged_into="lead_9"), ruleset(), "scored_below_mql", MONDAY_10_UTC) is None


def test_an_enrolment_ends_when_the_lead_leaves_the_stage_it_was_enrolled_at_or_is_merged() -> None:
    rules, lead = ruleset(), a_lead()
    enrolment = new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC)

    assert exit_reason(lead, enrolment) is None
    assert exit_reason(lead.model_copy(update={"stage": Stage.MQL}), enrolment) == "became_mql"
    assert exit_reason(lead.model_copy(update={"stage": Stage.DISQUALIFIED}), enrolment) == "stage_disqualified"
    assert exit_reason(lead.model_copy(update={"merged_into": "lead_2"}), enrolment) == "merged"


def test_ended_enrolments_beyond_the_newest_are_let_go_but_active_ones_stay() -> None:
    rules, lead = ruleset(welcome(reentry={"after_days": 1})), a_lead()
    for day in range(25):
        enrolment = new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC + timedelta(days=day))
        lead = with_enrolment(lead, ended(enrolment, "completed", MONDAY_10_UTC), keep=10)
    active = new_enrolment(lead, rules.tracks[0], 1, "scored_below_mql", MONDAY_10_UTC + timedelta(days=30))
    lead = with_enrolment(lead, active, keep=10)

    assert len(lead.nurture) == 10
    assert lead.active_enrolments == [active]
