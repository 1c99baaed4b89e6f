"""The store contract: DynamoDB adapters (under moto) and their in-memory twins must behave the same.

Every test runs once per implementation, so a twin that drifts from DynamoDB fails here first.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoConfigStore, DynamoLeadStore, DynamoOutbox
from leadflow.adapters.memory import InMemoryConfigStore, InMemoryLeadStore, InMemoryOutbox
from leadflow.models.lead import (
    Activity,
    Assignment,
    Contribution,
    Firmographics,
    HistoryEntry,
    Lead,
    Score,
    ScoreLine,
    Stage,
)
from leadflow.models.submission import Source, StoredSubmission, SubmissionIn, SubmissionStatus
from leadflow.ports import ConcurrentUpdate, ConfigStore, LeadStore, Notification, Outbox
from moto import mock_aws

from infra.local.moto_hooks import query_partitions_not_tables, serialise_dynamodb_writes
from infra.local.runtime import MOTO_CONFIG
from tests.integration.tables import create_tables

T = TypeVar("T")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Stores:
    leads: LeadStore
    config: ConfigStore
    outbox: Outbox


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(params=["dynamodb", "memory"])
def stores(request: pytest.FixtureRequest, aws_credentials: None) -> Iterator[Stores]:
    if request.param == "memory":
        yield Stores(InMemoryLeadStore(), InMemoryConfigStore(), InMemoryOutbox())
        return
    with mock_aws(config=MOTO_CONFIG):  # the runtime fixture may share this process's moto
        # DynamoDB applies conditional writes atomically; moto needs the runtime's write lock to do the same.
        serialise_dynamodb_writes()
        query_partitions_not_tables()  # the local runtime's Query: these tests hold it to DynamoDB's behaviour
        tables = create_tables(boto3.resource("dynamodb", region_name="us-east-1"))
        yield Stores(DynamoLeadStore(tables.leads), DynamoConfigStore(tables.config), DynamoOutbox(tables.outbox))


def all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Run work(0..count-1) on `count` threads released together, to make races as likely as possible."""
    barrier = threading.Barrier(count)

    def run(index: int) -> T:
        barrier.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def submission(submission_id: str = "sub-1", **data: Any) -> StoredSubmission:
    body = {"email": "ada@example.com", "form_id": "demo-request", **data}
    return StoredSubmission(submission_id=submission_id, received_at=NOW, data=SubmissionIn.model_validate(body))


def lead(
    lead_id: str = "lead-1",
    *,
    stage: Stage = Stage.NEW,
    updated_at: datetime = NOW,
    owner_id: str | None = None,
    assigned_at: datetime = NOW,
) -> Lead:
    assignment = None
    if owner_id is not None:
        assignment = Assignment(
            rep_id=owner_id,
            rep_name=owner_id.title(),
            rule="round_robin",
            pool="default",
            cursor=3,
            candidates=[owner_id, "rep-z"],
            ruleset_version=2,
            assigned_at=assigned_at,
        )
    return Lead(
        lead_id=lead_id,
        email=f"{lead_id}@example.com",
        email_canonical=f"{lead_id}@example.com",
        created_at=NOW - timedelta(days=1),
        updated_at=updated_at,
        stage=stage,
        owner_id=owner_id,
        assignment=assignment,
    )


def every_page(fetch: Callable[[str | None], Any]) -> tuple[list[Lead], list[int]]:
    """All leads of a listing, following cursors to the end, and the size of each page."""
    leads: list[Lead] = []
    sizes: list[int] = []
    cursor: str | None = None
    for _ in range(100):
        page = fetch(cursor)
        leads.extend(page.items)
        sizes.append(len(page.items))
        cursor = page.cursor
        if cursor is None:
            return leads, sizes
    raise AssertionError("the listing never ended")


def notification(notification_id: str = "assigned#lead-1#2026-11-23T09:00:00Z", **changes: Any) -> Notification:
    fields: dict[str, Any] = {
        "notification_id": notification_id,
        "rep_id": "rep-ana",
        "lead_id": "lead-1",
        "channel": "email",
        "subject": "New MQL: Ada Lovelace",
        "body": "Ada from Example scored 72.",
        "created_at": NOW,
        "payload": {"score": 72, "ratio": 0.25, "tags": ["mql"], "nested": {"ok": True, "none": None}},
    }
    return Notification(**{**fields, **changes})


# Submissions ---------------------------------------------------------------------------------------------------------


def test_a_submission_stored_twice_keeps_the_first(stores: Stores) -> None:
    assert stores.leads.put_submission(submission(first_name="Ada")) is True

    assert stores.leads.put_submission(submission(first_name="Grace")) is False

    stored = stores.leads.get_submission("sub-1")
    assert stored is not None and stored.data.first_name == "Ada"


def test_a_submission_reads_back_as_stored_including_custom_field_numbers(stores: Stores) -> None:
    original = submission(
        consent=True,
        utm_source="google",
        fields={"seats": 25, "budget": 1250.5, "ratio": 0.1, "trial": False, "x": None},
    )
    stores.leads.put_submission(original)

    assert stores.leads.get_submission("sub-1") == original


def test_an_unknown_submission_reads_as_none(stores: Stores) -> None:
    assert stores.leads.get_submission("nope") is None


def test_marking_a_submission_sets_status_and_keeps_what_is_not_given(stores: Stores) -> None:
    stores.leads.put_submission(submission())
    stores.leads.mark_submission("sub-1", SubmissionStatus.FAILED, error="enrich timed out")

    stores.leads.mark_submission("sub-1", SubmissionStatus.PROCESSED, lead_id="lead-1")

    stored = stores.leads.get_submission("sub-1")
    assert stored is not None
    assert (stored.status, stored.lead_id, stored.error) == (SubmissionStatus.PROCESSED, "lead-1", "enrich timed out")


def test_marking_an_unknown_submission_raises_lookup_error_and_creates_nothing(stores: Stores) -> None:
    with pytest.raises(LookupError):
        stores.leads.mark_submission("nope", SubmissionStatus.PROCESSED, lead_id="lead-1")

    assert stores.leads.get_submission("nope") is None


def received(submission_id: str, due_at: datetime) -> StoredSubmission:
    return submission(submission_id).model_copy(update={"due_at": due_at})


def test_received_submissions_are_listed_for_the_sweeper_once_due(stores: Stores) -> None:
    for number, minutes in enumerate((5, 1, 3, 30)):
        stores.leads.put_submission(received(f"sub-{number}", NOW + timedelta(minutes=minutes)))
    stores.leads.put_submission(submission("sub-never-filed"))  # stored before the sweeper existed

    due = stores.leads.due_submissions(NOW + timedelta(minutes=5))

    assert sorted(due) == ["sub-0", "sub-1", "sub-2"]
    assert stores.leads.due_submissions(NOW) == []
    assert stores.leads.due_leads("decay", NOW + timedelta(days=1)) == []  # the jobs' entries stay apart
    assert len(stores.leads.due_submissions(NOW + timedelta(hours=1), limit=2)) == 2


def test_a_submission_leaves_the_sweep_index_when_processed_failed_or_spam_but_not_when_linked(stores: Stores) -> None:
    for name in ("linked", "processed", "failed", "spam"):
        stores.leads.put_submission(received(name, NOW))

    stores.leads.mark_submission("linked", SubmissionStatus.RECEIVED, lead_id="lead-1")
    stores.leads.mark_submission("processed", SubmissionStatus.PROCESSED, lead_id="lead-1")
    stores.leads.mark_submission("failed", SubmissionStatus.FAILED, error="boom")
    stores.leads.mark_submission("spam", SubmissionStatus.SPAM)

    assert stores.leads.due_submissions(NOW) == ["linked"]
    processed = stores.leads.get_submission("processed")
    assert processed is not None and processed.due_at is None


def test_a_failed_submission_run_again_is_filed_for_the_sweeper_again_and_a_filed_one_keeps_its_time(
    stores: Stores,
) -> None:
    stores.leads.put_submission(received("redriven", NOW))
    stores.leads.put_submission(received("first-run", NOW))
    stores.leads.mark_submission("redriven", SubmissionStatus.FAILED, error="Score failed")
    later = NOW + timedelta(hours=2)

    stores.leads.mark_submission("redriven", SubmissionStatus.RECEIVED, lead_id="lead-1", sweep_at=later)
    stores.leads.mark_submission("first-run", SubmissionStatus.RECEIVED, lead_id="lead-2", sweep_at=later)

    assert stores.leads.due_submissions(NOW) == ["first-run"]
    assert sorted(stores.leads.due_submissions(later)) == ["first-run", "redriven"]
    redriven = stores.leads.get_submission("redriven")
    assert redriven is not None and (redriven.status, redriven.due_at) == (SubmissionStatus.RECEIVED, later)


def test_rescheduling_counts_a_sweep_once_and_files_the_submission_later(stores: Stores) -> None:
    stores.leads.put_submission(received("sub-1", NOW))
    later = NOW + timedelta(minutes=10)

    first = stores.leads.reschedule_submission("sub-1", sweeps=1, due_at=later)
    again = stores.leads.reschedule_submission("sub-1", sweeps=1, due_at=later)  # a second sweeper, same visit

    stored = stores.leads.get_submission("sub-1")
    assert (first, again) == (True, False)
    assert stored is not None and (stored.sweeps, stored.due_at) == (1, later)
    assert stores.leads.due_submissions(NOW + timedelta(minutes=9)) == []
    assert stores.leads.due_submissions(later) == ["sub-1"]
    assert stores.leads.reschedule_submission("sub-1", sweeps=2, due_at=later) is True


def test_a_submission_no_longer_received_is_not_rescheduled(stores: Stores) -> None:
    stores.leads.put_submission(received("sub-1", NOW))
    stores.leads.mark_submission("sub-1", SubmissionStatus.PROCESSED, lead_id="lead-1")

    assert stores.leads.reschedule_submission("sub-1", sweeps=1, due_at=NOW) is False
    assert stores.leads.reschedule_submission("nope", sweeps=1, due_at=NOW) is False
    assert stores.leads.due_submissions(NOW + timedelta(days=1)) == []


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
    original = lead(stage=Stage.MQL, owner_id="rep-ana").model_copy(
        update={
            "fields": {"seats": 25, "budget": 1250.5, "trial": True, "note": None},
            "submission_ids": ["sub-1", "sub-2"],
            "form_ids": ["demo-request", "demo-request"],
            "first_source": Source(form_id="demo-request", utm_source="google"),
            "last_source": Source(form_id="demo-request", utm_campaign="q4"),
            "firmographics": Firmographics(domain="example.com", employees=1200, size_band="1001-5000", known=True),
            "score": Score(
                fit=40,
                engagement=31.75,
                total=71.75,
                grade="B",
                level=2,
                qualifies=True,
                next_change_at=NOW + timedelta(days=3, minutes=7),
                ruleset_version=2,
                scored_at=NOW,
                lines=[ScoreLine(rule_id="size", kind="fit", points=40, reason="1001-5000 employees")],
                contributions=[Contribution(rule_id="demo", event_id="sub-1", at=NOW, points=40, half_life_days=30.5)],
            ),
            "activity": [
                Activity(
                    event_id="sub-1",
                    type="form_submitted",
                    occurred_at=NOW,
                    source="form",
                    properties={"form_id": "demo-request", "seats": 25, "ratio": 0.5, "trial": True},
                )
            ],
            "due_at": NOW + timedelta(days=3, minutes=7),
            "due_job": "decay",
        }
    )

    stored = stores.leads.save_lead(original, expected_version=None)

    assert stored == original.model_copy(update={"version": 1})
    assert stores.leads.get_lead("lead-1") == stored


def test_saving_at_the_version_read_increments_it(stores: Stores) -> None:
    first = stores.leads.save_lead(lead(), expected_version=None)

    second = stores.leads.save_lead(first.model_copy(update={"company": "Example"}), expected_version=first.version)

    assert second.version == 2
    assert stores.leads.get_lead("lead-1") == second


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


# Listing -------------------------------------------------------------------------------------------------------------


def test_listing_a_stage_page_by_page_returns_each_of_its_leads_once_newest_first(stores: Stores) -> None:
    for i in range(23):
        stores.leads.save_lead(lead(f"new-{i:02d}", updated_at=NOW + timedelta(minutes=i)), expected_version=None)
    for i in range(4):
        stores.leads.save_lead(lead(f"mql-{i}", stage=Stage.MQL), expected_version=None)

    leads, sizes = every_page(lambda cursor: stores.leads.list_leads(stage=Stage.NEW, limit=5, cursor=cursor))

    assert [each.lead_id for each in leads] == [f"new-{i:02d}" for i in reversed(range(23))]
    assert max(sizes) == 5


def test_listing_an_owner_page_by_page_returns_each_of_their_leads_once_newest_assignment_first(
    stores: Stores,
) -> None:
    for i in range(12):
        owned = lead(f"ana-{i:02d}", stage=Stage.MQL, owner_id="rep-ana", assigned_at=NOW + timedelta(seconds=i))
        stores.leads.save_lead(owned, expected_version=None)
    for i in range(3):
        stores.leads.save_lead(lead(f"bo-{i}", stage=Stage.MQL, owner_id="rep-bo"), expected_version=None)
    stores.leads.save_lead(lead("nobody"), expected_version=None)

    leads, sizes = every_page(lambda cursor: stores.leads.list_leads(owner_id="rep-ana", limit=4, cursor=cursor))

    assert [each.lead_id for each in leads] == [f"ana-{i:02d}" for i in reversed(range(12))]
    assert max(sizes) == 4


def test_listing_an_owner_filtered_by_stage_returns_only_that_stage_each_once(stores: Stores) -> None:
    for i in range(10):
        stage = Stage.MQL if i % 3 else Stage.SAL
        owned = lead(f"ana-{i}", stage=stage, owner_id="rep-ana", assigned_at=NOW + timedelta(seconds=i))
        stores.leads.save_lead(owned, expected_version=None)

    leads, sizes = every_page(
        lambda cursor: stores.leads.list_leads(owner_id="rep-ana", stage=Stage.SAL, limit=2, cursor=cursor)
    )

    assert [each.lead_id for each in leads] == ["ana-9", "ana-6", "ana-3", "ana-0"]
    assert max(sizes) <= 2


def test_listing_without_filters_returns_every_lead_once_stage_by_stage(stores: Stores) -> None:
    stages = [Stage.NEW] * 7 + [Stage.MQL] * 3 + [Stage.DISQUALIFIED] * 5
    for i, stage in enumerate(stages):
        stores.leads.save_lead(
            lead(f"lead-{i:02d}", stage=stage, updated_at=NOW + timedelta(minutes=i)), expected_version=None
        )

    leads, sizes = every_page(lambda cursor: stores.leads.list_leads(limit=4, cursor=cursor))

    assert [each.lead_id for each in leads] == [
        f"lead-{i:02d}" for i in [*range(6, -1, -1), 9, 8, 7, *range(14, 9, -1)]
    ]
    assert max(sizes) == 4


def test_a_lead_that_changes_stage_moves_to_the_new_stage_listing(stores: Stores) -> None:
    stored = stores.leads.save_lead(lead(), expected_version=None)

    stores.leads.save_lead(stored.model_copy(update={"stage": Stage.MQL}), expected_version=stored.version)

    assert stores.leads.list_leads(stage=Stage.NEW).items == []
    assert [each.lead_id for each in stores.leads.list_leads(stage=Stage.MQL).items] == ["lead-1"]


def _encoded(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda cursor: "not base64 !", id="garbage"),
        pytest.param(lambda cursor: _encoded([1, 2]), id="not-an-object"),
        pytest.param(lambda cursor: _encoded({"m": "stage", "p": 0, "k": {"pk": "x"}}), id="bad-start-key"),
        pytest.param(lambda cursor: _encoded({"m": "stage", "p": 5, "k": None}), id="position-out-of-range"),
        pytest.param(lambda cursor: cursor + "A", id="truncated-or-extended"),
    ],
)
def test_a_forged_cursor_is_refused(stores: Stores, forge: Callable[[str], str]) -> None:
    for i in range(3):
        stores.leads.save_lead(lead(f"lead-{i}", updated_at=NOW + timedelta(minutes=i)), expected_version=None)
    cursor = stores.leads.list_leads(stage=Stage.NEW, limit=1).cursor
    assert cursor is not None

    with pytest.raises(ValueError, match="invalid cursor"):
        stores.leads.list_leads(stage=Stage.NEW, limit=1, cursor=forge(cursor))


def test_a_cursor_from_another_listing_is_refused(stores: Stores) -> None:
    for i in range(3):
        stores.leads.save_lead(lead(f"lead-{i}", owner_id="rep-ana"), expected_version=None)
    cursor = stores.leads.list_leads(stage=Stage.NEW, limit=1).cursor
    assert cursor is not None

    with pytest.raises(ValueError, match="invalid cursor"):
        stores.leads.list_leads(stage=Stage.MQL, limit=1, cursor=cursor)
    with pytest.raises(ValueError, match="invalid cursor"):
        stores.leads.list_leads(owner_id="rep-ana", limit=1, cursor=cursor)
    with pytest.raises(ValueError, match="invalid cursor"):
        stores.leads.list_leads(limit=1, cursor=cursor)


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_a_page_size_outside_1_to_100_is_refused(stores: Stores, limit: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        stores.leads.list_leads(limit=limit)


# Config --------------------------------------------------------------------------------------------------------------


def test_publishing_increments_the_version_and_active_returns_the_newest(stores: Stores) -> None:
    assert stores.config.publish("scoring", {"mql_threshold": 60, "weights": [1.5, 2]}) == 1

    assert stores.config.publish("scoring", {"mql_threshold": 50, "weights": [1.0, 2]}) == 2

    assert stores.config.active("scoring") == (2, {"mql_threshold": 50, "weights": [1.0, 2]})


def test_config_kinds_are_versioned_independently(stores: Stores) -> None:
    stores.config.publish("scoring", {"mql_threshold": 60})

    assert stores.config.publish("reps", {"reps": []}) == 1
    assert stores.config.active("scoring") == (1, {"mql_threshold": 60})


def test_an_unpublished_config_has_no_active_version(stores: Stores) -> None:
    assert stores.config.active("scoring") is None


def test_publishes_from_5_threads_at_once_get_distinct_versions(stores: Stores) -> None:
    versions = all_at_once(5, lambda i: stores.config.publish("reps", {"publisher": i}))

    assert sorted(versions) == [1, 2, 3, 4, 5]
    active = stores.config.active("reps")
    assert active is not None and active[0] == 5
    assert active[1] == {"publisher": versions.index(5)}


def test_next_in_sequence_from_50_threads_at_once_gives_1_to_50_once_each(stores: Stores) -> None:
    values = all_at_once(50, lambda i: stores.config.next_in_sequence("default"))

    assert sorted(values) == list(range(1, 51))


def test_sequences_count_independently(stores: Stores) -> None:
    stores.config.next_in_sequence("default")
    stores.config.next_in_sequence("default")

    assert stores.config.next_in_sequence("enterprise") == 1
    assert stores.config.next_in_sequence("default") == 3


# Outbox --------------------------------------------------------------------------------------------------------------


def test_a_notification_queued_twice_is_kept_once_even_if_stamped_later(stores: Stores) -> None:
    assert stores.outbox.queue(notification()) is True

    assert stores.outbox.queue(notification(created_at=NOW + timedelta(seconds=5), body="retry")) is False

    assert stores.outbox.recent() == [notification()]


def test_recent_notifications_are_newest_first_and_limited(stores: Stores) -> None:
    for i in range(7):
        stores.outbox.queue(
            notification(
                f"assigned#lead-{i}#t",
                lead_id=f"lead-{i}",
                rep_id=f"rep-{i % 2}",
                created_at=NOW + timedelta(seconds=i),
            )
        )

    assert [each.lead_id for each in stores.outbox.recent(limit=3)] == ["lead-6", "lead-5", "lead-4"]
    assert len(stores.outbox.recent()) == 7
