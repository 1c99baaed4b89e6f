"""The API fuzzed from its own OpenAPI document: schemathesis generates valid and invalid requests for every operation
the served document lists (GET /v1/openapi.json), sends them to `leadflow run` with the API key, and checks each
answer: never a 5xx, and always what the document promises (a documented status code, its content type, its schema).

Bounded for CI: a fixed number of examples per operation and generation mode, derandomized, so that a run is
reproducible and takes about two minutes. The counts are printed at the end (run with -s to see them).

The operations are read from the running API, so they are looped over inside one test rather than collected as
pytest items: schemathesis' lazy fixture loader does not work with this pytest version.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.local_process import RuntimeProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

API_KEY = "local-dev-key"
WEBHOOK_SECRET = "local-webhook-secret"  # the local runtime's `generic` provider
EXAMPLES = {GenerationMode.POSITIVE: 30, GenerationMode.NEGATIVE: 20}  # per operation
ON_REAL_IDS = 25  # more positive examples with ids that exist (a lead, a rule set, a provider), to get past the 404
RULE_SETS = ("scoring", "reps", "matching", "lifecycle", "sla", "routing")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def signature_headers(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Leadflow-Timestamp": timestamp, "X-Leadflow-Signature": f"v1={digest}"}


def describe(exc: BaseException) -> str:
    """One line per failure: schemathesis' title and the request that reproduces it."""
    if isinstance(exc, FailureGroup):
        return "; ".join(describe(failure) for failure in exc.exceptions)
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " | ".join(lines[:6])


class Fuzzer:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.sent: Counter[str] = Counter()
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.failures: list[str] = []
        self.not_generated: list[str] = []

    def fuzz(
        self, operation: Any, mode: GenerationMode, examples: int, path_parameters: dict[str, str] | None = None
    ) -> None:
        @settings(
            max_examples=examples,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
        def check(case: Any) -> None:
            self.check(case)

        try:
            check()
        except Unsatisfiable:
            # Nothing in the operation can be made invalid (no parameter, no body constraint): nothing to send.
            self.not_generated.append(f"{operation.label} ({mode.value})")
        except (FailureGroup, Exception) as exc:  # noqa: BLE001 - the shrunk example's failure: note it, go on
            self.failures.append(f"{operation.label} ({mode.value}): {describe(exc)}")

    def check(self, case: Any) -> None:
        headers = {"x-api-key": API_KEY}
        if case.path.startswith("/v1/webhooks/"):
            response = self.call_signed(case, headers)
        else:
            response = case.call(base_url=self.base_url, headers=headers)
        self.sent[case.operation.label] += 1
        self.statuses[(case.operation.label, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    def call_signed(self, case: Any, headers: dict[str, str]) -> Any:
        """The webhook authenticates by an HMAC signature over the exact body, not by the API key: the body is
        serialised here, signed, and sent as signed."""
        kwargs = case.as_transport_kwargs(base_url=self.base_url, headers=headers)
        if "json" in kwargs:
            kwargs["data"] = json.dumps(kwargs.pop("json")).encode()
        body = kwargs.get("data") or b""
        body = body.encode() if isinstance(body, str) else body
        kwargs["headers"] = {**kwargs.get("headers", {}), **signature_headers(body)}
        return requests.request(**kwargs, timeout=30)


NUMBERS = itertools.count()


def a_processed_lead(running: RuntimeProcess) -> str:
    """A fresh lead for each operation, so that one operation's changes (an erasure, a merge) leave the next alone."""
    number = next(NUMBERS)
    reply = running.client.post_lead(
        {"email": f"fuzz.target{number}@snowflake.com", "first_name": "Fuzz", "title": "VP Sales", "consent": True}
    )
    return str(running.client.wait_for_submission(reply.json()["submission_id"])["lead_id"])


def real_ids(running: RuntimeProcess, path: str) -> list[dict[str, str]]:
    """Path parameters naming things that exist, for the operations whose random ids only ever find nothing."""
    if "{kind}" in path:
        return [{"kind": kind} for kind in RULE_SETS]
    if "{provider}" in path:
        return [{"provider": "generic"}]
    if "{other_id}" in path:
        return [{"lead_id": a_processed_lead(running), "other_id": a_processed_lead(running)}]
    if "{lead_id}" in path:
        return [{"lead_id": a_processed_lead(running)}]
    return []


def report(fuzzer: Fuzzer, operations: int, seconds: float) -> str:
    lines = [f"fuzzed {operations} operations with {sum(fuzzer.sent.values())} requests in {seconds:.0f} s"]
    for label, count in sorted(fuzzer.sent.items()):
        statuses = " ".join(f"{status}x{n}" for (name, status), n in sorted(fuzzer.statuses.items()) if name == label)
        lines.append(f"  {label}: {count} ({statuses})")
    lines += [f"  nothing invalid to generate: {', '.join(fuzzer.not_generated) or 'none'}"]
    return "\n".join(lines)


def test_every_answer_is_documented_and_none_is_a_server_error(tmp_path: Path) -> None:
    started = time.monotonic()
    with RuntimeProcess(tmp_path) as running:
        base_url = running.client.base_url
        schema = schemathesis.openapi.from_url(f"{base_url}/v1/openapi.json")
        fuzzer = Fuzzer(base_url)
        # Every operation of the document, none excluded; those on an id also on ids that exist (a fresh lead
        # for each, so that an erasure or a merge in one leaves the others theirs).
        operations = [result.ok() for result in schema.get_all_operations()]
        for operation in operations:
            for mode, examples in EXAMPLES.items():
                fuzzer.fuzz(operation, mode, examples)
            for ids in real_ids(running, operation.path):
                fuzzer.fuzz(operation, GenerationMode.POSITIVE, ON_REAL_IDS, ids)

    print("\n" + report(fuzzer, len(operations), time.monotonic() - started))
    assert len(operations) >= 17
    assert fuzzer.failures == [], "\n".join(fuzzer.failures)
