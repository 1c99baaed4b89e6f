"""`POST /_local/events`: put events on the local bus again, as EventBridge does when it redelivers one, or as a
replay from the archive would. The body is a JSON list of events in the envelope the bus delivers and the archive
keeps (`source`, `detail-type`, `detail`; other keys are ignored), at most 10; the answer is `{"published": n}` once
what they set off has settled, so a script can read the results straight after."""

from __future__ import annotations

import json
from typing import Any

MAX_EVENTS = 10  # PutEvents takes at most 10 entries


def read_events(body: bytes) -> list[dict[str, Any]]:
    """The events of a request body; ValueError naming what is wrong."""
    try:
        events = json.loads(body or b"[]")
    except json.JSONDecodeError as exc:
        raise ValueError(f"body: not JSON ({exc.msg})") from exc
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_EVENTS:
        raise ValueError(f"body: a JSON list of 1 to {MAX_EVENTS} events")
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise ValueError(f"[{index}]: an event is a JSON object")
        for key, kind in (("source", str), ("detail-type", str), ("detail", dict)):
            if not isinstance(event.get(key), kind):
                raise ValueError(f"[{index}].{key}: required, a {'JSON object' if kind is dict else 'string'}")
    return events


def publish(bus: Any, bus_name: str, events: list[dict[str, Any]]) -> int:
    """Put the events on the bus (`bus`: a boto3 EventBridge client); how many it took."""
    entries = [
        {
            "Source": e["source"],
            "DetailType": e["detail-type"],
            "Detail": json.dumps(e["detail"]),
            "EventBusName": bus_name,
        }
        for e in events
    ]
    failed = int(bus.put_events(Entries=entries).get("FailedEntryCount", 0))
    return len(entries) - failed
