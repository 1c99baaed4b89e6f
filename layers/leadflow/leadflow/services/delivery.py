"""Delivers a queued notification to its rep on every channel that reaches them (Slack, email), after the pipeline's
notify step put it in the outbox; routing never waits for it.

The outbox item is the record: a delivery first claims it (one conditional write, status `sending`), so of two
copies of one `notification.queued` delivered at once only one sends; each channel that took the message is kept
as soon as it did, and each attempt's outcome after it, so a redelivered event sends nothing twice. A claim older
than the function's timeout belongs to a sender that died mid-send, and the next delivery takes it over. Only a
retryable failure raises: the caller (Lambda's asynchronous retries, then the dead-letter queue) tries again; a
rejection is kept and logged.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from leadflow.models.events import NotificationQueued
from leadflow.models.rules import Rep, RepRoster
from leadflow.observability import logger
from leadflow.ports import Clock, DeliveryFailed, DeliveryStatus, Notifier, Outbox, OutboxEntry, RuleSets
from leadflow.services.pipeline_deps import active_ruleset

# Over DeliverFunction's Timeout (20 s in template.yaml; a test holds them together): Lambda has stopped a sender
# whose claim is older, so taking it over cannot send twice.
CLAIM_TIMEOUT = timedelta(seconds=30)


@dataclass(frozen=True)
class DeliveryDeps:
    outbox: Outbox
    config: RuleSets
    notifiers: Sequence[Notifier]
    clock: Clock


@dataclass(frozen=True)
class DeliveryOutcome:
    """What one delivery did. `status` "missing": nothing was queued under this id (nothing to send or record);
    `already_settled`: an earlier delivery finished, so this one sent nothing."""

    notification_id: str
    status: DeliveryStatus | str
    sent: list[str] = field(default_factory=list)
    error: str | None = None
    already_settled: bool = False


def deliver(event: NotificationQueued, deps: DeliveryDeps) -> DeliveryOutcome:
    """Send the notification on the channels that reach its rep and have not taken it yet; raise DeliveryFailed
    (retryable) after recording the attempt when any channel may take it later, or while another delivery of it
    is under way (it may yet fail; a retry finds it settled or its claim stale)."""
    now = deps.clock.now()
    claimed = deps.outbox.claim(
        event.rep_id, event.notification_id, token=uuid.uuid4().hex, at=now, stale_before=now - CLAIM_TIMEOUT
    )
    # Read after claiming: the channels another sender recorded before its claim ended are skipped.
    entry = deps.outbox.get(event.rep_id, event.notification_id)
    if entry is None:
        # The notify step writes before it publishes, so this is an event about someone else's outbox: retrying
        # cannot make the item appear.
        logger.warning("queued notification not in the outbox", extra={"notification_id": event.notification_id})
        return DeliveryOutcome(event.notification_id, "missing")
    done = entry.delivery
    if done.settled:
        assert done.status is not None
        return DeliveryOutcome(event.notification_id, done.status, sorted(done.sent), done.last_error, True)
    if not claimed:
        since = done.claimed_at.isoformat() if done.claimed_at else "just now"
        raise DeliveryFailed(f"{event.notification_id}: another delivery is sending it (since {since})", retryable=True)
    try:
        return _send_claimed(entry, event, deps)
    except DeliveryFailed:
        raise  # recorded, and the claim ended, before it was raised
    except Exception as exc:
        # End the claim now, so Lambda's retry need not wait for it to go stale.
        _record(deps, event, "retrying", sorted(done.sent), f"{type(exc).__name__}: {exc}")
        raise


def _send_claimed(entry: OutboxEntry, event: NotificationQueued, deps: DeliveryDeps) -> DeliveryOutcome:
    done = entry.delivery
    notification = entry.notification
    rep = _rep(deps.config, notification.rep_id)
    if rep is None:
        return _record(deps, event, "failed", sorted(done.sent), f"rep {notification.rep_id} is not in the roster")
    reaching = [notifier for notifier in deps.notifiers if notifier.reaches(rep)]
    if not reaching:
        # No webhook and no email sender configured (the local runtime's demo reps): the outbox item is the message.
        return _record(deps, event, "outbox_only", [], None)

    sent = set(done.sent)
    errors: list[str] = []
    retry = False
    for notifier in reaching:
        if notifier.channel in sent:
            continue
        try:
            notifier.send(notification, rep)
        except DeliveryFailed as exc:
            errors.append(str(exc))
            retry = retry or exc.retryable
            continue
        deps.outbox.record_sent(notification.rep_id, notification.notification_id, notifier.channel)
        sent.add(notifier.channel)

    error = "; ".join(errors) or None
    if retry:
        _record(deps, event, "retrying", sorted(sent), error)
        raise DeliveryFailed(f"{event.notification_id}: {error}", retryable=True)
    return _record(deps, event, "failed" if errors else "delivered", sorted(sent), error)


def _rep(config: RuleSets, rep_id: str) -> Rep | None:
    # Any rep in the roster, active or not: an inactive rep still owns the leads given to them before.
    roster = active_ruleset(config, "reps", RepRoster)
    return next((rep for rep in roster.reps if rep.rep_id == rep_id), None)


def _record(
    deps: DeliveryDeps, event: NotificationQueued, status: DeliveryStatus, sent: list[str], error: str | None
) -> DeliveryOutcome:
    deps.outbox.record_attempt(event.rep_id, event.notification_id, status=status, at=deps.clock.now(), error=error)
    log = logger.warning if error else logger.info
    log(
        "notification delivery",
        extra={"notification_id": event.notification_id, "status": status, "sent": sent, "error": error},
    )
    return DeliveryOutcome(event.notification_id, status, sent, error)


__all__ = ["CLAIM_TIMEOUT", "DeliveryDeps", "DeliveryOutcome", "deliver"]
