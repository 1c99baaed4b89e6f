"""The local runtime reaches into moto's private API; these fail loudly, naming the hook, when moto changes under it."""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version
from pathlib import Path

from infra.local import moto_hooks

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_moto_is_pinned_to_the_version_the_hooks_were_written_for() -> None:
    pinned = re.search(r'"moto\[[^\]]*\]==([0-9.]+)"', PYPROJECT.read_text(encoding="utf-8"))

    assert pinned is not None, "pyproject.toml must pin moto exactly (==): infra/local hooks its private API"
    assert version("moto") == pinned.group(1)


def test_every_hooked_moto_method_still_has_the_signature_the_hooks_expect() -> None:
    assert moto_hooks.signature_drift() == []


def test_moto_lambda_still_routes_invocations_through_the_hooked_method() -> None:
    from moto.awslambda.models import LambdaFunction

    assert "_invoke_lambda" in LambdaFunction.invoke.__code__.co_names


def test_moto_events_still_delivers_through_rule_send_to_targets() -> None:
    from moto.events.models import EventsBackend

    assert "rule.send_to_targets(" in inspect.getsource(EventsBackend)


def test_the_interpreter_still_builds_task_clients_where_the_runtime_reuses_them() -> None:
    import importlib

    for module_name in moto_hooks._TASK_CLIENT_MODULES:
        assert hasattr(importlib.import_module(module_name), "boto_client_for"), module_name
