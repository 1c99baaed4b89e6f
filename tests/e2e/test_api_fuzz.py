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
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
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
ON_A_REAL_LEAD = 20  # positive examples per operation on a lead that exists, so that requests get past the 404
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _signature_headers(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Leadflow-Timestamp": timestamp, "X-Leadflow-Signature": f"v1={digest}"}


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
        except Exception as exc:  # noqa: BLE001 - hypothesis raises the shrunk example's failure; keep going
            self.failures.append(f"{operation.label} ({mode.value}): {exc}")

    def check(self, case: Any) -> None:
        headers = {"x-api-key": API_KEY}
        if case.path.startswith("/v1/webhooks/"):
            # This route authenticates by an HMAC signature, not the API key. Its body is read raw (it is what is
            # signed), so the document gives it no schema and the fuzzer sends none: the empty body is signed.
            headers.update(_signature_headers(b""))
        response = case.call(base_url=self.base_url, headers=headers)
        self.sent[case.operation.label] += 1
        self.statuses[(case.operation.label, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)


def a_processed_lead(running: RuntimeProcess) -> str:
    reply = running.client.post_lead(
        {"email": "fuzz.target@snowflake.com", "first_name": "Fuzz", "title": "VP Sales", "form_id": "demo-request"}
    )
    return str(running.client.wait_for_submission(reply.json()["submission_id"])["lead_id"])


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
        lead_id = a_processed_lead(running)
        # Every operation of the document, none excluded; those on a lead also on one that exists.
        operations = [result.ok() for result in schema.get_all_operations()]
        # Erasing the lead goes last: every operation before it still finds the lead it is given.
        operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
        for operation in operations:
            for mode, examples in EXAMPLES.items():
                fuzzer.fuzz(operation, mode, examples)
            if "{lead_id}" in operation.path:
                fuzzer.fuzz(operation, GenerationMode.POSITIVE, ON_A_REAL_LEAD, {"lead_id": lead_id})

    print("\n" + report(fuzzer, len(operations), time.monotonic() - started))
    assert len(operations) >= 17
    assert fuzzer.failures == []
