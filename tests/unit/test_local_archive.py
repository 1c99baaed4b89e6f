"""The local archive on its own: where an event's line goes, and what the line holds, as the runtime's bus hands it a
moto event."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.local.archive import ARCHIVE_STREAM, LocalArchive

STREAM = "leadflow-ArchiveDeliveryStream"


def moto_event(detail_type: str, **detail: Any) -> dict[str, Any]:
    """What moto hands a rule's targets: the real time as a float, and its own `ingestion-time`."""
    return {
        "version": "0",
        "id": "6f1c0d2e-0000-4000-8000-000000000001",
        "detail-type": detail_type,
        "source": "leadflow",
        "account": "123456789012",
        "time": 1700000000.123,
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
        "ingestion-time": 1700000000.124,
    }


def test_with_a_data_dir_an_event_goes_to_its_days_folder_on_the_runtimes_clock(tmp_path: Path) -> None:
    moment = datetime(2027, 3, 1, 23, 59, 30, tzinfo=UTC)
    archive = LocalArchive.of_stack(tmp_path, {ARCHIVE_STREAM: STREAM}, lambda: moment)

    archive.put_record(STREAM, moto_event("lead.scored", lead_id="lead_1", fit=60))

    (line,) = (tmp_path / "archive" / "dt=2027-03-01" / "events-23.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == {
        "version": "0",
        "id": "6f1c0d2e-0000-4000-8000-000000000001",
        "detail-type": "lead.scored",
        "source": "leadflow",
        "account": "123456789012",
        "time": "2027-03-01T23:59:30Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"lead_id": "lead_1", "fit": 60},
    }


def test_a_stream_other_than_the_archives_keeps_nothing(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path, STREAM, lambda: datetime(2027, 3, 1, tzinfo=UTC))

    archive.put_record("another-stream", moto_event("lead.scored", lead_id="lead_1"))

    assert archive.files() == []


def test_an_erasure_drops_the_persons_submissions_through_the_lead_they_made(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path, STREAM, lambda: datetime(2027, 3, 1, 9, tzinfo=UTC))
    archive.put_record(STREAM, moto_event("lead.submitted", submission_id="sub_1", submission={"email": "a@b.co"}))
    archive.put_record(STREAM, moto_event("lead.created", lead_id="lead_1", submission_id="sub_1"))
    archive.put_record(STREAM, moto_event("lead.submitted", submission_id="sub_2", submission={"email": "c@d.co"}))
    archive.put_record(STREAM, moto_event("lead.created", lead_id="lead_2", submission_id="sub_2"))

    archive.put_record(STREAM, moto_event("lead.erased", lead_id="lead_1", lead_ids=["lead_1"]))

    assert [
        (e["detail-type"], e["detail"].get("lead_id") or e["detail"]["submission_id"]) for e in archive.events()
    ] == [
        ("lead.submitted", "sub_2"),
        ("lead.created", "lead_2"),
        ("lead.erased", "lead_1"),
    ]


def test_without_a_folder_the_archive_is_a_temporary_one_removed_on_close() -> None:
    archive = LocalArchive(None, STREAM, lambda: datetime(2027, 3, 1, tzinfo=UTC))
    archive.put_record(STREAM, moto_event("lead.scored", lead_id="lead_1"))
    assert len(archive.files()) == 1

    archive.close()

    assert not archive.folder.exists()
