"""Redrive failed pipeline runs: each dead letter holds the submission that failed; publish it again as submitted.

Works against AWS (`leadflow redrive --queue-url ... --bus ...`) and the local runtime alike; every step of the
pipeline is idempotent, so a submission that had half gone through completes without doubling anything.
"""

from __future__ import annotations

import json
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
