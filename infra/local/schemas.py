"""Generates the published contracts — EventBridge detail schemas and the OpenAPI document — into infra/schemas/.

Subscribers (reporting, CRM sync, users' own rules) code against these files; a test fails when they drift from
the models, so a contract never changes without a visible diff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from leadflow.models import events, nurture_events

from infra.local.template import REPO_ROOT

SCHEMA_DIR = REPO_ROOT / "infra" / "schemas"


def event_models() -> list[type[events.DomainEvent]]:
    found = {
        value
        for module in (events, nurture_events)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, events.DomainEvent) and value is not events.DomainEvent
    }
    return sorted(found, key=lambda model: model.detail_type)


def contracts() -> dict[Path, dict[str, Any]]:
    from leadflow.api import all_routers
    from leadflow.api.resolver import openapi_document

    documents: dict[Path, dict[str, Any]] = {}
    for model in event_models():
        schema = model.model_json_schema()
        schema["title"] = model.detail_type
        schema["description"] = (
            f"EventBridge detail of `{model.detail_type}` events (source `{events.EVENT_SOURCE}`). "
            + (model.__doc__ or "").strip()
        ).strip()
        documents[SCHEMA_DIR / "events" / f"{model.detail_type}.json"] = schema
    documents[SCHEMA_DIR / "openapi.json"] = openapi_document(*all_routers())
    return documents


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def write_contracts() -> list[Path]:
    written = []
    for path, document in contracts().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(document), encoding="utf-8")
        written.append(path)
    return written
