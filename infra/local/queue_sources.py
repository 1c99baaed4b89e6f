"""Lambda's SQS event source mappings, locally: a poller per function's SQS event takes batches of the queue's
messages and invokes the function with them, as Lambda does on AWS.

As on AWS: a batch is at most BatchSize messages, gathered for up to MaximumBatchingWindowInSeconds once the first
arrives; the messages of a batch that succeeded are deleted; with ReportBatchItemFailures only those the function
names stay; a batch that raised leaves every message, and each comes back after the queue's visibility timeout,
until the redrive policy moves it to the dead-letter queue (moto does that part). Unlike AWS: one poller per mapping
(Lambda scales out to more), and a runtime whose other work is done does not wait for a window to end."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.sqs.models import Message, sqs_backends

from infra.local import ledger_hooks
from infra.local.deployment import QueueSource
from infra.local.ledger_units import chunks
from infra.local.moto_hooks import QUEUE_LOCK

LOG = logging.getLogger("leadflow.local")
_IDLE_POLL_SECONDS = 0.02

Invoke = Callable[[str, Any], Any]


class QueuePoller:
    def __init__(self, source: QueueSource, invoke: Invoke, *, account_id: str, region: str) -> None:
        self.source = source
        self._invoke = invoke
        self._account_id, self._region = account_id, region
        self._stopped = threading.Event()
        self._flush = threading.Event()
        self._invoking = False
        self._thread = threading.Thread(target=self._run, name=f"leadflow-sqs-{source.function}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)

    def flush(self) -> bool:
        """End the current batching window now (a settling runtime, whose other work is done, does not wait for it);
        whether messages are waiting or a batch is being handled."""
        busy = self._invoking or self._visible() > 0
        if busy:
            self._flush.set()
        return busy

    def _queue(self) -> Any:
        return sqs_backends[self._account_id][self._region].get_queue(self.source.queue)

    def _visible(self) -> int:
        with QUEUE_LOCK:
            return int(self._queue().approximate_number_of_messages)

    def _run(self) -> None:
        while not self._stopped.is_set():
            if not self._visible():
                self._stopped.wait(_IDLE_POLL_SECONDS)
                continue
            self._gather()
            try:
                self._invoking = True
                self._handle(self._receive())
            except Exception:  # a poller that dies would stop the projection for the runtime's life
                LOG.exception("%s: a batch from %s failed", self.source.function, self.source.queue)
            finally:
                self._invoking = False

    def _gather(self) -> None:
        """Wait for the batching window to end, the batch to fill, or a flush."""
        deadline = time.monotonic() + self.source.window_seconds
        while time.monotonic() < deadline and self._visible() < self.source.batch_size:
            if self._flush.is_set() or self._stopped.is_set():
                break
            time.sleep(_IDLE_POLL_SECONDS)
        self._flush.clear()

    def _receive(self) -> list[Message]:
        backend = sqs_backends[self._account_id][self._region]
        with QUEUE_LOCK:
            queue = self._queue()
            return list(backend.receive_message(self.source.queue, self.source.batch_size, 0, queue.visibility_timeout))

    def _handle(self, messages: list[Message]) -> None:
        if not messages:
            return
        _count_requests(messages)
        queue = self._queue()
        event = {"Records": [_record(message, queue) for message in messages]}
        try:
            result = self._invoke(self.source.function, event)
        except Exception:
            LOG.warning("%s raised on a batch of %d: it comes back", self.source.function, len(messages), exc_info=True)
            return
        failed = _failed_ids(result) if self.source.report_failures else set()
        for message in messages:
            if message.id not in failed:
                queue.delete_message(message.receipt_handle)


def _count_requests(messages: list[Message]) -> None:
    """What the batch cost in SQS requests on AWS: the rule's send of each message (per 64 KB chunk), and the event
    source's receive and batched delete."""
    ledger = ledger_hooks.current()
    if ledger is not None and ledger.active:
        sent = sum(chunks(len(message.body.encode())) for message in messages)
        ledger.count("sqs", "SendMessage", {"sqs.requests": sent})
        ledger.count("sqs", "ReceiveMessage+DeleteMessageBatch", {"sqs.requests": 2})


def _record(message: Message, queue: Any) -> dict[str, Any]:
    """The record Lambda hands the function for one message."""
    return {
        "messageId": message.id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": {
            "ApproximateReceiveCount": str(message.approximate_receive_count),
            "SentTimestamp": str(message.sent_timestamp),
        },
        "messageAttributes": {},
        "md5OfBody": message.body_md5,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue.queue_arn,
        "awsRegion": queue.region,
    }


def _failed_ids(result: Any) -> set[str]:
    """The messages a function reported failed (ReportBatchItemFailures); a malformed answer fails the whole batch,
    as Lambda treats it."""
    if not isinstance(result, dict) or not result.get("batchItemFailures"):
        return set()
    failures = result["batchItemFailures"]
    if not isinstance(failures, list) or not all(isinstance(f, dict) and f.get("itemIdentifier") for f in failures):
        raise ValueError(f"a malformed batchItemFailures answer: {failures!r}")
    return {str(f["itemIdentifier"]) for f in failures}


class QueueSources:
    """Every SQS event source of the template, started and stopped together."""

    def __init__(self, sources: list[QueueSource], invoke: Invoke, *, account_id: str, region: str) -> None:
        self._pollers = [QueuePoller(source, invoke, account_id=account_id, region=region) for source in sources]

    def start(self) -> QueueSources:
        for poller in self._pollers:
            poller.start()
        return self

    def stop(self) -> None:
        for poller in self._pollers:
            poller.stop()

    def flush(self) -> bool:
        """End every batching window now; whether any source has messages waiting or a batch being handled."""
        busy = [poller.flush() for poller in self._pollers]  # every one flushed, not only up to the first busy one
        return any(busy)
