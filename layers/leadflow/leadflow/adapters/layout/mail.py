"""The mail log's items on the outbox table: one per message under its lead (pk MAIL#<lead_id>, sk MSG#<message_id>,
so a retried send's conditional put finds it), listed newest first on the `by_created` index (gsi1pk MAIL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from leadflow.adapters.layout.values import Item, time_key
from leadflow.ports import EmailMessage

MAIL_PARTITION_PREFIX = "MAIL#"
MAIL_INDEX_PARTITION = "MAIL"  # gsi1pk of every message: the dashboard's newest-first listing


def mail_partition(lead_id: str) -> str:
    return f"{MAIL_PARTITION_PREFIX}{lead_id}"


def mail_key(lead_id: str, message_id: str) -> Item:
    return {"pk": mail_partition(lead_id), "sk": f"MSG#{message_id}"}


def mail_item(message: EmailMessage) -> Item:
    created = time_key(message.created_at)
    return {
        **mail_key(message.lead_id, message.message_id),
        "gsi1pk": MAIL_INDEX_PARTITION,
        "gsi1sk": f"{created}#{message.message_id}",
        "message_id": message.message_id,
        "lead_id": message.lead_id,
        "to": message.to,
        "kind": message.kind,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "created_at": created,
        "unsubscribe_url": message.unsubscribe_url,
        "tags": dict(message.tags),
    }


def message_from_item(item: dict[str, Any]) -> EmailMessage:
    created = datetime.fromisoformat(str(item["created_at"]).removesuffix("Z")).replace(tzinfo=UTC)
    return EmailMessage(
        message_id=str(item["message_id"]),
        lead_id=str(item["lead_id"]),
        to=str(item["to"]),
        kind="transactional" if item["kind"] == "transactional" else "marketing",
        subject=str(item["subject"]),
        text=str(item["text"]),
        html=None if item.get("html") is None else str(item["html"]),
        created_at=created,
        unsubscribe_url=None if item.get("unsubscribe_url") is None else str(item["unsubscribe_url"]),
        tags={str(k): str(v) for k, v in (item.get("tags") or {}).items()},
    )
