"""The event schemas and OpenAPI document in infra/schemas/ are what the code produces: a contract never changes
without a visible diff. Regenerate with `.venv/bin/leadflow schemas`."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.local.schemas import SCHEMA_DIR, contracts, render


@pytest.mark.parametrize("path", sorted(contracts()), ids=lambda p: str(p.relative_to(SCHEMA_DIR)))
def test_committed_contract_matches_the_code(path: Path) -> None:
    documents = contracts()
    assert path in documents
    committed = path.read_text(encoding="utf-8") if path.exists() else ""

    assert committed == render(documents[path]), f"{path} is stale: run `.venv/bin/leadflow schemas`"


def test_every_committed_contract_is_still_produced() -> None:
    produced = set(contracts())
    committed = set(SCHEMA_DIR.rglob("*.json"))

    assert committed - produced == set(), "remove schemas of events that no longer exist"


def test_openapi_documents_every_route_with_its_request_schema() -> None:
    openapi = contracts()[SCHEMA_DIR / "openapi.json"]

    assert set(openapi["paths"]) == {
        "/v1/leads",
        "/v1/leads/{lead_id}",
        "/v1/submissions/{submission_id}",
        "/v1/leads/{lead_id}/duplicates/{other_id}",
        "/v1/leads/{lead_id}/unmerge",
        "/v1/duplicates",
        "/v1/accounts/{account_id}",
        "/v1/leads/{lead_id}/score",
        "/v1/leads/{lead_id}/stage",
        "/v1/leads/{lead_id}/outcome",
        "/v1/leads/{lead_id}/touch",
        "/v1/leads/{lead_id}/consent",
        "/v1/leads/{lead_id}/export",
        "/v1/leads/{lead_id}/reassign",
        "/v1/reps",
        "/v1/teams",
        "/v1/webhooks/{provider}",
        "/v1/config/{kind}",
        "/v1/unsubscribe",
        "/v1/leads/{lead_id}/nurture",
        "/v1/nurture/tracks/{track_id}/stats",
    }
    body = openapi["paths"]["/v1/leads"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/SubmissionIn")
    assert "email" in openapi["components"]["schemas"]["SubmissionIn"]["required"]
    assert {"get", "delete"} <= set(openapi["paths"]["/v1/leads/{lead_id}"])
