"""Shared fixtures for the infrastructure tests: the SAM template as plain data, its state machine
definition, and its offline translation to CloudFormation."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from infra.local.template import REPO_ROOT as ROOT
from infra.local.template import TEMPLATE_PATH, load_template


class _NoManagedPolicies:
    """Managed policy loader for offline translation: no AWS call, SAM builds the ARNs itself."""

    def load(self) -> dict[str, str]:
        return {}


def translate(template: dict[str, Any], root: Path = ROOT, region: str = "us-east-1") -> dict[str, Any]:
    """Translate a SAM template to CloudFormation offline, as `sam deploy` would after packaging:
    local code folders become s3:// URIs and state machine files are inlined."""
    from samtranslator.translator.transform import transform

    sam = copy.deepcopy(template)
    for logical_id, resource in sam.get("Resources", {}).items():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(properties.get("CodeUri"), str):
            properties["CodeUri"] = f"s3://leadflow-artifacts/{logical_id}.zip"
        elif resource.get("Type") == "AWS::Serverless::LayerVersion" and isinstance(properties.get("ContentUri"), str):
            properties["ContentUri"] = f"s3://leadflow-artifacts/{logical_id}.zip"
        elif resource.get("Type") == "AWS::Serverless::StateMachine" and isinstance(
            properties.get("DefinitionUri"), str
        ):
            definition_path = root / properties.pop("DefinitionUri")
            properties["Definition"] = json.loads(definition_path.read_text(encoding="utf-8"))
    # The translator reads the region (for ARNs and the partition) from the boto3 session.
    with mock.patch.dict(os.environ, {"AWS_DEFAULT_REGION": region}):
        translated: dict[str, Any] = transform(sam, {}, _NoManagedPolicies())
    return translated


# Tests take these fixtures rather than importing this module: `conftest` is not a unique module name.
@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def template_loader() -> Callable[[Path | str], dict[str, Any]]:
    return load_template


@pytest.fixture(scope="session")
def template_path() -> Path:
    return TEMPLATE_PATH


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE_PATH)


@pytest.fixture(scope="session")
def translated(template: dict[str, Any]) -> dict[str, Any]:
    return translate(template)


@pytest.fixture(scope="session")
def translator() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Translate another version of the template (parameters take their Default)."""
    return translate


@pytest.fixture(scope="session")
def state_machine(template: dict[str, Any]) -> dict[str, Any]:
    """The LeadPipeline resource of the SAM template."""
    resource: dict[str, Any] = template["Resources"]["LeadPipeline"]
    return resource


@pytest.fixture(scope="session")
def asl_text(state_machine: dict[str, Any]) -> str:
    return (ROOT / str(state_machine["Properties"]["DefinitionUri"])).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def asl(asl_text: str) -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(asl_text)
    return definition
