"""Shared fixtures: the local runtime (the real template, ASL and handlers on moto) and an HTTP client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.local.runtime import LocalRuntime, RuntimeOptions
from tests.http_client import Client


@pytest.fixture(scope="session")
def runtime() -> Iterator[LocalRuntime]:
    """One stack per test process: tests keep to their own leads (unique emails) so they can share it."""
    with LocalRuntime(RuntimeOptions(port=0)) as running:
        yield running


@pytest.fixture
def client(runtime: LocalRuntime) -> Client:
    return Client(runtime.url)
