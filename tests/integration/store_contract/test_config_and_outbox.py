"""The store contract for versioned configuration, sequences and the notification outbox."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.store_contract.conftest import (
    NOW,
    Stores,
    all_at_once,
    notification,
)

# Config --------------------------------------------------------------------------------------------------------------


def test_publishing_increments_the_version_and_active_returns_the_newest(stores: Stores) -> None:
    assert stores.config.publish("scoring", {"mql_threshold": 60, "weights": [1.5, 2]}) == 1

    assert stores.config.publish("scoring", {"mql_threshold": 50, "weights": [1.0, 2]}) == 2

    assert stores.config.active("scoring") == (2, {"mql_threshold": 50, "weights": [1.0, 2]})


def test_config_kinds_are_versioned_independently(stores: Stores) -> None:
    stores.config.publish("scoring", {"mql_threshold": 60})

    assert stores.config.publish("reps", {"reps": []}) == 1
    assert stores.config.active("scoring") == (1, {"mql_threshold": 60})


def test_an_earlier_version_stays_readable_after_a_newer_one_is_published(stores: Stores) -> None:
    # a nurture enrolment follows the version it was enrolled with, whatever is active now
    stores.config.publish("nurture", {"tracks": ["welcome"]})
    stores.config.publish("nurture", {"tracks": ["welcome", "recapture"]})

    assert stores.config.version("nurture", 1) == {"tracks": ["welcome"]}
    assert stores.config.version("nurture", 2) == {"tracks": ["welcome", "recapture"]}
    assert stores.config.version("nurture", 3) is None
    assert stores.config.version("scoring", 1) is None


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
