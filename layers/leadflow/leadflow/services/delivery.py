"""Delivers a queued notification to its rep on every channel that reaches them (Slack, email), after the pipeline's
notify step put it in the outbox; routing never waits for it.

The outbox item is the record: each channel that took the message is kept as soon as it did, and each attempt's
outcome after it, so a redelivered `notification.queued` sends nothing twice. Only a retryable failure raises: the
caller (Lambda's asynchronous retries, then the dead-letter queue) tries again; a rejection is kept and logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from leadflow.models.events import NotificationQueued
from leadflow.models.rules import Rep, RepRoster
from leadflow.observability import logger
from leadflow.ports import Clock, ConfigStore, DeliveryFailed, DeliveryStatus, Notifier, Outbox
from leadflow.services.pipeline_deps import active_ruleset


@dataclass(frozen=True)
class DeliveryDeps:
    outbox: Outbox
    config: ConfigStore
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
    (retryable) after recording the attempt when any channel may take it later."""
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


def _rep(config: ConfigStore, rep_id: str) -> Rep | None:
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


__all__ = ["DeliveryDeps", "DeliveryOutcome", "deliver"]
