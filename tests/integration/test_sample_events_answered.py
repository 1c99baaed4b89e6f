"""The sample events in events/ are requests the functions accept: `sam local invoke -e` with one gets an answer
about the (made-up) lead it names, never a validation error or a server error, and a scheduled job's sample runs it.

Samples that would create data in the shared runtime (a lead posted, an engagement recorded, a pipeline step) are
run by the tests of those functions instead."""

from __future__ import annotations

import json

import pytest

from infra.local.runtime import LocalRuntime
from tests.events import EVENTS, load_event

# Functions whose samples only read, or act on a lead that does not exist.
API_FOLDERS = {
    "LeadsApiFunction": "leads_api",
    "LeadActionsFunction": "lead_actions",
    "CurateFunction": "curate",
    "RoutingApiFunction": "routing_api",
    "ConfigApiFunction": "config_api",
}
# Jobs the runtime's own schedules run anyway; training is left out (a model it published would score every lead).
SCHEDULED_FOLDERS = {"DecayFunction": "decay", "SweepFunction": "sweep", "RecycleFunction": "recycle"}


def samples(folders: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (logical_id, f"{folder}/{path.name}")
        for logical_id, folder in folders.items()
        for path in sorted((EVENTS / folder).glob("*.json"))
    ]


@pytest.mark.parametrize(("logical_id", "name"), samples(API_FOLDERS))
def test_an_api_sample_is_answered_found_or_not_found_never_refused(
    runtime: LocalRuntime, logical_id: str, name: str
) -> None:
    reply = runtime.invoke(logical_id, load_event(name))

    assert reply["statusCode"] in (200, 404), reply["body"]
    if reply["statusCode"] == 404:
        assert "lead_01jd8x2m4k" in json.loads(reply["body"])["message"]


@pytest.mark.parametrize(("logical_id", "name"), samples(SCHEDULED_FOLDERS))
def test_a_scheduled_sample_runs_its_job(runtime: LocalRuntime, logical_id: str, name: str) -> None:
    result = runtime.invoke(logical_id, load_event(name))

    assert isinstance(result, dict) and result
