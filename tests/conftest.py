"""Shared fixtures: the local runtime (the real template, ASL and handlers on moto) and an HTTP client for it."""

from __future__ import annotations

import os
from collections.abc import Iterator

# Lambda sets the template's Powertools variables before any handler is imported, and Powertools reads them once, when
# the shared Logger and Metrics are created; a test module imported before the local runtime exports them must see
# them too, or a process that runs many steps hits "Must contain a metric namespace" once 100 values pile up.
for _name, _value in {
    "POWERTOOLS_SERVICE_NAME": "leadflow",
    "POWERTOOLS_METRICS_NAMESPACE": "leadflow",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
}.items():
    os.environ.setdefault(_name, _value)

import pytest

from infra.local.runtime import LocalRuntime, RuntimeOptions
from tests.http_client import Client


@pytest.fixture(scope="session")
def runtime() -> Iterator[LocalRuntime]:
    """One stack per test process: tests keep to their own leads (unique emails) so they can share it."""
    with LocalRuntime(RuntimeOptions(port=0)) as running:
        yield running


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials for a test's own moto mock: no real account is ever reached."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def client(runtime: LocalRuntime) -> Client:
    return Client(runtime.url)
