"""Fires the template's Schedule/ScheduleV2 events on the local runtime's clock, as EventBridge would.

moto creates scheduled rules but never fires them (and a schedule-only rule even matches every put_events event),
so the runtime keeps its own schedule table instead: each schedule knows its next fire time on the virtual clock,
and whenever the clock passes it the target function is invoked in-process with a "Scheduled Event".

When the clock jumps (the dashboard's +1 day, `advance_clock(days=90)`), a schedule fires once for the jump, not
once per missed period: like a late EventBridge delivery, the job reads what is due at "now". The jobs here are
written that way (a sparse index of due items), so one run catches up everything the skipped runs would have done.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from infra.local.deployment import Schedule
from infra.local.schedule_expressions import Trigger, trigger_for

LOG = logging.getLogger(__name__)

ScheduledInvoker = Callable[[str, dict[str, Any]], Any]
"""(function name, event) -> the function's result; raises when the function fails."""


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep_until(self, moment: datetime, timeout: float | None = None) -> bool: ...


# --- events ----------------------------------------------------------------------------------------------------------


def aws_time(moment: datetime) -> str:
    """EventBridge's `time` field: UTC, whole seconds, Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def scheduled_event(schedule: Schedule, now: datetime, account_id: str, region: str) -> Any:
    """What the target receives: the event's `Input` when the template sets one, else EventBridge's Scheduled Event."""
    if schedule.input is not None:
        return json.loads(schedule.input)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": aws_time(now),
        "region": region,
        "resources": [schedule.arn],
        "detail": {},
    }


# --- the scheduler ---------------------------------------------------------------------------------------------------


@dataclass
class _Entry:
    schedule: Schedule
    trigger: Trigger
    invoke: ScheduledInvoker | None = None  # None: the scheduler's own invoker
    next_fire: datetime | None = None
    last_fired: datetime | None = None
    last_error: str | None = None
    runs: int = 0

    @property
    def key(self) -> str:
        return f"{self.schedule.logical_id}/{self.schedule.event_id}"


@dataclass(frozen=True)
class Firing:
    """One run of a schedule: when (virtual time), and what the function returned or how it failed."""

    function: str  # logical id
    event_id: str
    at: datetime
    result: Any = None
    error: str | None = None


class Scheduler:
    def __init__(
        self,
        clock: Clock,
        schedules: Iterable[Schedule],
        invoke: ScheduledInvoker,
        *,
        account_id: str,
        region: str,
        poll_interval: float = 0.2,
    ) -> None:
        self._clock = clock
        self._invoke = invoke
        self._account_id = account_id
        self._region = region
        self._poll = poll_interval
        # Parse everything now: a schedule the runtime cannot fire fails start-up, naming the function.
        self._entries = [_Entry(s, trigger_for(s)) for s in schedules]
        self._run_lock = threading.RLock()  # one firing pass at a time: the thread, advance_clock and fire()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------------------------

    def start(self, saved: dict[str, Any] | None = None) -> Scheduler:
        """Arm each schedule from the clock's now (or its saved timetable), then fire in the background."""
        now = self._clock.now()
        with self._run_lock:
            for entry in self._entries:
                self._arm(entry, now, (saved or {}).get(entry.key))
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="leadflow-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _arm(self, entry: _Entry, now: datetime, saved: dict[str, Any] | None) -> None:
        if not entry.schedule.enabled:
            entry.next_fire = None
            return
        if saved and saved.get("expression") == entry.schedule.expression:
            entry.last_fired = datetime.fromisoformat(saved["last_fired"]) if saved.get("last_fired") else None
            # A due time the runtime was stopped across is still due: it fires once on the first pass.
            entry.next_fire = datetime.fromisoformat(saved["next_fire"]) if saved.get("next_fire") else None
            return
        entry.next_fire = entry.trigger.next_fire(now, None)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_due()
            except Exception:  # the scheduler outlives any one bad pass
                LOG.exception("local scheduler: a firing pass failed")
            due = self.next_due()
            if due is None:
                self._stopping.wait(self._poll)
            else:
                self._clock.sleep_until(due, timeout=self._poll)

    # --- firing ----------------------------------------------------------------------------------------------------

    def next_due(self) -> datetime | None:
        times = [e.next_fire for e in self._entries if e.next_fire is not None]
        return min(times) if times else None

    def run_due(self) -> list[Firing]:
        """Fire every schedule whose time has come, once each however far the clock has moved past it."""
        with self._run_lock:
            now = self._clock.now()
            fired = []
            for entry in list(self._entries):
                if entry.next_fire is None or entry.next_fire > now:
                    continue
                # Re-arm before running: a long job at a fast clock must not find itself due again.
                due, entry.next_fire = entry.next_fire, entry.trigger.next_fire(now, entry.next_fire)
                LOG.debug("local scheduler: %s due at %s fires at %s", entry.key, due, now)
                fired.append(self._run(entry, now))
            return fired

    def paused(self) -> threading.RLock:
        """Hold to keep the background thread from firing (it finishes a pass in progress first)."""
        return self._run_lock

    def fire(self, logical_id: str, event_id: str | None = None, *, raise_errors: bool = False) -> Firing:
        """Run one schedule now, outside its timetable (its next fire time stays as it was)."""
        with self._run_lock:
            matching = [
                e
                for e in self._entries
                if e.schedule.logical_id == logical_id and event_id in (None, e.schedule.event_id)
            ]
            if not matching:
                raise KeyError(f"{logical_id}: no schedule" + (f" {event_id}" if event_id else ""))
            if len(matching) > 1:
                events = ", ".join(e.schedule.event_id for e in matching)
                raise KeyError(f"{logical_id} has several schedules ({events}): name the event id")
            return self._run(matching[0], self._clock.now(), raise_errors=raise_errors)

    def _run(self, entry: _Entry, now: datetime, *, raise_errors: bool = False) -> Firing:
        schedule = entry.schedule
        event = scheduled_event(schedule, now, self._account_id, self._region)
        invoke = entry.invoke or self._invoke
        entry.last_fired, entry.runs = now, entry.runs + 1
        try:
            result = invoke(schedule.function, event)
        except Exception as exc:  # a failing job is reported, the scheduler keeps going
            entry.last_error = f"{type(exc).__name__}: {exc}"
            LOG.error("local scheduler: %s (%s) failed: %s", schedule.logical_id, schedule.expression, entry.last_error)
            if raise_errors:
                raise
            return Firing(schedule.logical_id, schedule.event_id, now, error=entry.last_error)
        entry.last_error = None
        return Firing(schedule.logical_id, schedule.event_id, now, result=result)

    # --- schedules not in the template ------------------------------------------------------------------------------

    def add(self, schedule: Schedule, invoke: ScheduledInvoker | None = None) -> None:
        """Register a schedule the template does not declare (tests, experiments), armed from the clock's now."""
        entry = _Entry(schedule, trigger_for(schedule), invoke)
        with self._run_lock:
            self._arm(entry, self._clock.now(), None)
            self._entries.append(entry)

    def remove(self, logical_id: str) -> None:
        with self._run_lock:
            self._entries = [e for e in self._entries if e.schedule.logical_id != logical_id]

    # --- reporting -------------------------------------------------------------------------------------------------

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "function": e.schedule.logical_id,
                "event": e.schedule.event_id,
                "expression": e.schedule.expression,
                "enabled": e.schedule.enabled,
                "next_fire": e.next_fire.isoformat() if e.next_fire else None,
                "last_fired": e.last_fired.isoformat() if e.last_fired else None,
                "last_error": e.last_error,
                "runs": e.runs,
            }
            for e in self._entries
        ]

    def saved_state(self) -> dict[str, Any]:
        """What `start(saved=...)` needs to carry the timetable across a restart."""
        return {
            e.key: {
                "expression": e.schedule.expression,
                "next_fire": e.next_fire.isoformat() if e.next_fire else None,
                "last_fired": e.last_fired.isoformat() if e.last_fired else None,
            }
            for e in self._entries
        }
