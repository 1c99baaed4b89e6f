"""The store contract for listing leads: by stage, by owner or both, page by page with each lead once, and cursors
that cannot be forged or reused on another listing."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from leadflow.models.lead import (
    Lead,
    Stage,
)

from tests.integration.store_contract.conftest import (
    NOW,
    Stores,
    every_page,
    lead,
    whole_lead,
)


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


def _whole(lead_id: str, *, stage: Stage, owner_id: str | None, minutes: int) -> Lead:
    return whole_lead(lead_id, stage=stage, owner_id=owner_id, updated_at=NOW + timedelta(minutes=minutes))


def test_every_listing_returns_whole_leads_as_stored(stores: Stores) -> None:
    # The indexes behind the listings may hold keys alone: a listing reads the leads themselves.
    saved = [
        stores.leads.save_lead(_whole("lead-a", stage=Stage.MQL, owner_id="rep-ana", minutes=1), expected_version=None),
        stores.leads.save_lead(_whole("lead-b", stage=Stage.SAL, owner_id="rep-ana", minutes=2), expected_version=None),
        stores.leads.save_lead(_whole("lead-c", stage=Stage.MQL, owner_id=None, minutes=3), expected_version=None),
    ]
    a, b, c = (stores.leads.get_lead(each.lead_id) for each in saved)
    assert [a, b, c] == saved

    assert stores.leads.list_leads(stage=Stage.MQL).items == [c, a]
    assert stores.leads.list_leads(owner_id="rep-ana").items == [b, a]  # assigned at the same time: newest id first
    assert stores.leads.list_leads(owner_id="rep-ana", stage=Stage.SAL).items == [b]
    assert stores.leads.list_leads().items == [c, a, b]  # stage by stage (MQL before SAL), each newest first
