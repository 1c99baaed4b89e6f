"""Rebuild or check the report projection (`leadflow reports rebuild`), against a deployed stack's tables or inside
the running local runtime (`POST /_local/reports/rebuild`, which `--local` calls).

The work is leadflow's (leadflow.services.report_rebuild); this module finds the tables, runs it, and says what it
did. A check sums every lead's contribution and compares it with the live cells: it changes nothing, so it is safe at
any time."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from typing import Any

from leadflow.adapters.dynamodb import DynamoLeadStore, DynamoReportProjection
from leadflow.services.report_rebuild import check as check_cells
from leadflow.services.report_rebuild import rebuild

#: The template's logical ids of the two tables a rebuild reads and writes.
LEADS_TABLE, REPORTS_TABLE = "LeadsTable", "ReportsTable"
_OPTIONS = ("fresh", "check")


@dataclass(frozen=True)
class Outcome:
    """What a rebuild or a check did: leads read, leads whose counts changed, forgotten (erased) leads retracted,
    and the cells where the live projection differs from a rebuild (a check only)."""

    leads: int
    changed: int
    forgotten: int
    differences: list[str]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def rebuild_tables(leads_table: Any, reports_table: Any, *, fresh: bool = False, check: bool = False) -> Outcome:
    """Rebuild (in place, or `fresh` from nothing) or `check` the projection on `reports_table` from `leads_table`
    (boto3 Table resources)."""
    leads, live = DynamoLeadStore(leads_table), DynamoReportProjection(reports_table)
    if check:
        checked = check_cells(live, leads)
        return Outcome(leads=checked.leads, changed=0, forgotten=0, differences=checked.differences)
    result = rebuild(leads, live, fresh=fresh)
    return Outcome(leads=result.leads, changed=result.changed, forgotten=result.forgotten, differences=[])


def stack_tables(session: Any, stack_name: str) -> tuple[str, str]:
    """The names of a deployed stack's leads and reports tables, from its resources."""
    cloudformation = session.client("cloudformation")
    names = []
    for logical_id in (LEADS_TABLE, REPORTS_TABLE):
        detail = cloudformation.describe_stack_resource(StackName=stack_name, LogicalResourceId=logical_id)
        names.append(str(detail["StackResourceDetail"]["PhysicalResourceId"]))
    return names[0], names[1]


def read_request(body: bytes) -> dict[str, bool]:
    """The options of `POST /_local/reports/rebuild`: `{"fresh": bool, "check": bool}`, both optional; ValueError
    naming the field otherwise."""
    try:
        document = json.loads(body or b"{}")
    except (UnicodeDecodeError, ValueError):
        raise ValueError('the body must be JSON: {"fresh": false, "check": false}') from None
    if not isinstance(document, dict):
        raise ValueError('the body must be a JSON object: {"fresh": false, "check": false}')
    for name, value in document.items():
        if name not in _OPTIONS:
            raise ValueError(f"{str(name)[:40]!r}: not an option; the options are fresh and check")
        if not isinstance(value, bool):
            raise ValueError(f"{name}: true or false")
    if document.get("fresh") and document.get("check"):
        raise ValueError("fresh and check: a check changes nothing, so it cannot also clear the projection")
    return {name: bool(document.get(name, False)) for name in _OPTIONS}


def rebuild_local(base_url: str, api_key: str, *, fresh: bool, check: bool) -> Outcome:
    """Ask a running local runtime to rebuild or check its projection (POST /_local/reports/rebuild)."""
    if not base_url.startswith(("http://", "https://")):
        raise ValueError(f"--local: an http(s) URL of the runtime, got {base_url!r}")
    url = base_url.rstrip("/") + "/_local/reports/rebuild"
    body = json.dumps({"fresh": fresh, "check": check}).encode()
    headers = {"x-api-key": api_key, "content-type": "application/json"}
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 - http(s) only, checked above
            document = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"the runtime answered {error.code}: {error.read().decode(errors='replace')}") from None
    return Outcome(
        leads=int(document["leads"]),
        changed=int(document["changed"]),
        forgotten=int(document["forgotten"]),
        differences=[str(line) for line in document["differences"]],
    )


def report(outcome: Outcome, *, fresh: bool, check: bool, seconds: float) -> str:
    """What the command prints."""
    took = f"in {seconds:.1f} s"
    if check:
        if not outcome.differences:
            return f"check: {outcome.leads} leads read; the projection equals a rebuild from them ({took})"
        lines = [f"check: {outcome.leads} leads read; the projection differs from a rebuild from them ({took}):"]
        lines += [f"  {line}" for line in outcome.differences]
        return "\n".join(lines)
    how = "from nothing (fresh)" if fresh else "in place"
    return (
        f"rebuilt {how}: {outcome.leads} leads read, {outcome.changed} whose counts changed, "
        f"{outcome.forgotten} forgotten (erased) leads retracted ({took})"
    )
