"""The local runtime's event archive: what the template's ArchiveRule sends to Firehose and Firehose keeps in S3, kept
here as a folder of the same newline-delimited JSON, `<folder>/dt=YYYY-MM-DD/events-HH.jsonl`.

Each line is one event in the envelope EventBridge delivers to a target. The runtime's bus hands this archive what the
deployed rule matches (infra/local/moto_hooks/lambdas.py), so the folder holds exactly the events the S3 archive
would. Day and hour are the event's time on the runtime's clock. On AWS the objects are gzipped, one per 15 minutes
or 128 MB, and named by Firehose; the lines in them are the same.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ARCHIVE_STREAM = "ArchiveDeliveryStream"  # the template's delivery stream the archive rule targets
ERASED = "lead.erased"
LOG = logging.getLogger(__name__)


class LocalArchive:
    """Appends every event put on the archive stream to its day's file; erases a forgotten person's lines."""

    def __init__(self, folder: Path | None, stream_name: str, now: Callable[[], datetime]) -> None:
        # No folder (tests, a runtime that persists nothing): a temporary one, removed when the runtime stops.
        self._temporary = tempfile.TemporaryDirectory(prefix="leadflow-archive-") if folder is None else None
        self.folder = Path(self._temporary.name) if self._temporary is not None else Path(str(folder))
        self.stream_name = stream_name
        self._now = now
        # Functions publish from many threads: one line is written whole before the next, and an erasure's rewrite
        # does not race an append.
        self._lock = threading.Lock()

    @classmethod
    def of_stack(cls, data_dir: Path | None, refs: dict[str, str], now: Callable[[], datetime]) -> LocalArchive:
        """The archive of a local stack: `<data dir>/archive`, fed by the template's archive stream."""
        return cls(data_dir / "archive" if data_dir is not None else None, refs[ARCHIVE_STREAM], now)

    def put_record(self, stream_name: str, event: dict[str, Any]) -> None:
        """What Firehose does with a record EventBridge puts on the stream: keep it, one line per event."""
        if stream_name != self.stream_name:
            LOG.warning("no local delivery stream %s: event %s not archived", stream_name, event.get("id"))
            return
        envelope = delivered_envelope(event, self._now())
        with self._lock:
            if envelope["detail-type"] == ERASED:
                self._forget(envelope["detail"].get("lead_ids") or [envelope["detail"].get("lead_id")])
            path = self.folder / file_for(envelope["time"])
            path.parent.mkdir(parents=True, exist_ok=True)
            line = (json.dumps(envelope, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(descriptor, line)  # one write per line: a crash never interleaves two events
            finally:
                os.close(descriptor)

    def files(self) -> list[Path]:
        """The archive's files, oldest day and hour first."""
        return sorted(self.folder.glob("dt=*/*.jsonl"))

    def events(self) -> list[dict[str, Any]]:
        """Every archived event, in the order the files and lines hold them."""
        with self._lock:
            return [event for path in self.files() for event in _read(path)]

    def close(self) -> None:
        if self._temporary is not None:
            self._temporary.cleanup()

    def _forget(self, lead_ids: list[str]) -> None:
        """The archive holds personal data (a submission carries the form's fields; lead.created the email): when a
        person is erased, drop every line that names one of their leads, or a submission that one of those leads was
        made from (a submission names no lead: its lead.created or lead.updated line links the two). The lead.erased
        event itself, ids and counts only, is kept."""
        files = self.files()
        names = {lead_id for lead_id in lead_ids if lead_id}
        for path in files:
            for event in _read(path):
                detail = event.get("detail") or {}
                if detail.get("lead_id") in names and detail.get("submission_id"):
                    names.add(str(detail["submission_id"]))
        if not names:
            return
        for path in files:
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            kept = [line for line in lines if not any(name in line for name in names)]
            if len(kept) == len(lines):
                continue
            replacement = path.with_suffix(".rewrite")
            replacement.write_text("".join(kept), encoding="utf-8")
            replacement.replace(path)  # a crash leaves the old file or the new one, never half of one


def delivered_envelope(event: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The event as EventBridge delivers it to a target (moto's copy also carries `ingestion-time`). Nothing in leadflow
    sets PutEvents' Time, so an event's time is when it was put: now on the runtime's clock, which moto does not know
    (it stamps the real time)."""
    return {
        "version": str(event.get("version", "0")),
        "id": event["id"],
        "detail-type": event["detail-type"],
        "source": event["source"],
        "account": event["account"],
        "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": event["region"],
        "resources": list(event.get("resources") or []),
        "detail": copy.deepcopy(event.get("detail") or {}),
    }


def file_for(time: str) -> Path:
    """`dt=2026-11-23/events-14.jsonl` for an event at 2026-11-23T14:05:00Z: the day folder Athena's `dt` partition
    reads on AWS, one file per hour."""
    moment = datetime.strptime(time, "%Y-%m-%dT%H:%M:%SZ")
    return Path(f"dt={moment:%Y-%m-%d}") / f"events-{moment:%H}.jsonl"


def _read(path: Path) -> Iterator[dict[str, Any]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)
