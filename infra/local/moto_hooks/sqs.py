"""SQS as AWS keeps it: every message sent and deleted reported to a journal, so a restart loses none."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.sqs.models import Queue, SQSBackend

from infra.local.moto_hooks.registry import HOOKED

QueueSent = Callable[[str, str, str, dict[str, Any]], None]
"""(queue name, message id, body, message attributes)"""
QueueDeleted = Callable[[str, str], None]
"""(queue name, message id)"""


#: Held around every change to a queue's messages: moto's Queue.delete_message rebuilds the message list, so a message
#: sent (a rule's target, on another thread) while it does would be lost. The local event source takes it too.
QUEUE_LOCK = threading.RLock()


def journal_queue_messages(on_sent: QueueSent | None, on_deleted: QueueDeleted | None) -> None:
    """SQS keeps a message until it is deleted, across anything that happens to its reader; moto keeps it in memory.
    Report every message sent (a rule's target or dead letter, a Lambda destination, a client) and every message
    deleted or purged, so the runtime can keep its queues across a restart. None: report nothing (a runtime that
    persists nothing must not write to the folder of one that ran before it in this process). Either way, sends,
    deletes and purges take QUEUE_LOCK, so that none is lost to another."""
    original_send = HOOKED["SQSBackend.send_message"]
    original_delete = HOOKED["Queue.delete_message"]
    original_purge = HOOKED["SQSBackend.purge_queue"]

    def send_message(self: SQSBackend, queue_name: str, message_body: str, *args: Any, **kwargs: Any) -> Any:
        with QUEUE_LOCK:
            message = original_send(self, queue_name, message_body, *args, **kwargs)
        if on_sent is not None:
            on_sent(queue_name, message.id, message.body, dict(message.message_attributes or {}))
        return message

    def delete_message(self: Queue, receipt_handle: str) -> None:
        with QUEUE_LOCK:
            ids = [message.id for message in self._messages if message.had_receipt_handle(receipt_handle)]
            original_delete(self, receipt_handle)
        if on_deleted is not None:
            for message_id in ids:
                on_deleted(self.name, message_id)

    def purge_queue(self: SQSBackend, queue_name: str) -> None:
        with QUEUE_LOCK:
            ids = [message.id for message in self.get_queue(queue_name)._messages]
            original_purge(self, queue_name)
        if on_deleted is not None:
            for message_id in ids:
                on_deleted(queue_name, message_id)

    SQSBackend.send_message = send_message  # type: ignore[method-assign]
    Queue.delete_message = delete_message  # type: ignore[method-assign]
    SQSBackend.purge_queue = purge_queue  # type: ignore[method-assign]
