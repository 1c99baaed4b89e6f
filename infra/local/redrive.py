"""Redrive failed pipeline runs: each dead letter holds the submission that failed; publish it again as submitted.

Works against AWS (`leadflow redrive --queue-url ... --bus ...`) and the local runtime alike (`leadflow redrive
--local` asks the running runtime, whose dead-letter queue survives restarts); every step of the pipeline is
idempotent, so a submission that had half gone through completes without doubling anything: a lead that was routed
is not routed again, and a rep whose notification failed is notified once.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from leadflow.models.events import EVENT_SOURCE, PipelineFailed


def redrive_pipeline_failures(session: Any, queue_url: str, bus_name: str, limit: int = 1000) -> int:
    sqs = session.client("sqs")
    events = session.client("events")
    redriven = 0
    while redriven < limit:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            break
        for message in messages:
            failed = PipelineFailed.model_validate(json.loads(message["Body"])["detail"])
            replayed = failed.replay()
            result = events.put_events(
                Entries=[
                    {
                        "Source": EVENT_SOURCE,
                        "DetailType": replayed.detail_type,
                        "Detail": replayed.model_dump_json(),
                        "EventBusName": bus_name,
                    }
                ]
            )
            if result.get("FailedEntryCount"):
                raise RuntimeError(f"could not republish {replayed.detail_type}: {result['Entries']}")
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            redriven += 1
    return redriven


def redrive_local(base_url: str, api_key: str) -> int:
    """Ask a running local runtime to redrive its dead-letter queue (POST /_local/redrive); the number redriven."""
    if not base_url.startswith(("http://", "https://")):
        raise ValueError(f"--local: an http(s) URL of the runtime, got {base_url!r}")
    url = base_url.rstrip("/") + "/_local/redrive"
    request = urllib.request.Request(url, data=b"", method="POST", headers={"x-api-key": api_key})  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - http(s) only, checked above
        return int(json.loads(response.read())["redriven"])
