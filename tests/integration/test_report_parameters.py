"""The reports API refuses bad parameters with a 422 naming the parameter, on the local runtime."""

from __future__ import annotations

import pytest

from tests.http_client import Client


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("funnel?from=2026-03-01&to=2026-02-01", "to"),
        ("funnel?from=2025-01-01&to=2026-12-31", "to"),
        ("funnel?from=2026-01-01&to=2026-01-31&group_by=colour", "group_by"),
        ("attribution?from=2026-01-01&to=2026-01-31&model=magic", "model"),
        ("sla?from=yesterday&to=2026-01-31", "from"),
        ("leads?from=2026-01-01&to=2026-01-31&dimension=all&value=all&counter=secret", "counter"),
        ("leads?from=2026-01-01&to=2026-01-31&dimension=all&value=all&cursor=bm90LW91cnM", "cursor"),
    ],
)
def test_bad_report_parameters_are_422_naming_the_parameter(client: Client, query: str, parameter: str) -> None:
    reply = client.get(f"/v1/reports/{query}")

    assert reply.status == 422, reply.body
    assert [error["field"] for error in reply.json()["errors"]] == [parameter]
