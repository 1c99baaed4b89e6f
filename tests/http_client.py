"""A small HTTP client for tests and benchmarks that talk to the local runtime (stdlib only, no extra dependency)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    def __init__(self, base_url: str, api_key: str = "local-dev-key") -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        headers = dict(headers or {})
        if (path == "/" or path.startswith(("/?", "/_local/"))) and self.api_key:
            # The runtime's own pages and controls need the key, as a script sends it (no browser, no cookie).
            headers.setdefault("x-api-key", self.api_key)
        request = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read(), dict(error.headers))

    def post_lead(self, document: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
        return self.request(
            "POST", "/v1/leads", json.dumps(document).encode(), {"content-type": "application/json", **(headers or {})}
        )

    def post(self, path: str, body: dict[str, Any], *, api_key: str | None = None) -> Reply:
        """POST a JSON body to an API route, with the client's API key unless told another (or "" for none)."""
        key = self.api_key if api_key is None else api_key
        headers = {"content-type": "application/json", **({"x-api-key": key} if key else {})}
        return self.request("POST", path, json.dumps(body).encode(), headers)

    def get(self, path: str, *, api_key: str | None = None) -> Reply:
        key = self.api_key if api_key is None else api_key
        return self.request("GET", path, headers={"x-api-key": key} if key else {})

    def wait_for_submission(self, submission_id: str, timeout: float = 20) -> dict[str, Any]:
        """Poll until the pipeline has processed (or failed) the submission."""
        deadline = time.monotonic() + timeout
        while True:
            reply = self.get(f"/v1/submissions/{submission_id}")
            document: dict[str, Any] = reply.json()
            if reply.status == 200 and document["status"] in ("processed", "failed", "spam"):
                return document
            if time.monotonic() > deadline:
                raise TimeoutError(f"submission {submission_id} still {document} after {timeout} s")
            time.sleep(0.02)

    def wait_for_lead(self, lead_id: str, until: Any, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            lead: dict[str, Any] = self.get(f"/v1/leads/{lead_id}").json()
            if until(lead):
                return lead
            if time.monotonic() > deadline:
                raise TimeoutError(f"lead {lead_id} did not reach the expected state: {lead}")
            time.sleep(0.02)
