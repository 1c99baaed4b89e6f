"""Delivering a queued notification: the Slack message a rep sees, what is retried, and what is recorded on the outbox
item. Slack is a real HTTP server on 127.0.0.1; SES is moto; nothing leaves the machine."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from leadflow.adapters.memory import InMemoryConfigStore, InMemoryOutbox
from leadflow.adapters.slack import SlackNotifier
from leadflow.clock import FixedClock
from leadflow.models.events import NotificationQueued
from leadflow.models.rules import Rep, RepRoster
from leadflow.ports import DeliveryFailed, Notification, Notifier
from leadflow.services.delivery import CLAIM_TIMEOUT, DeliveryDeps, deliver

from tests.events import load_event
from tests.unit.conftest import NOTIFICATION_API

SENDER = "leads@leadflow.example"


# The Slack adapter's timeout where the endpoint answers at once: ample on a loaded machine, so no answer is lost to
# the scheduler. The timeout test holds its answer until the test ends instead.
ANSWERED_IN_TIME = 10.0


class FakeSlack:
    """An incoming-webhook endpoint answering `status` (after `delay` seconds, or sooner when the test ends) and
    keeping every message posted."""

    def __init__(self) -> None:
        self.status = 200
        self.delay = 0.0
        self.released = threading.Event()
        self.messages: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.messages.append(json.loads(body))
                fake.released.wait(fake.delay)
                answer = b"ok" if fake.status == 200 else b"no_service"
                self.send_response(fake.status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/services/T000/B000/secret"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    server = FakeSlack()
    yield server
    server.close()


class Setup:
    def __init__(self, notification: Notification, roster: RepRoster, notifiers: list[Notifier], now: datetime):
        self.notification = notification
        self.outbox = InMemoryOutbox()
        self.outbox.queue(notification)
        config = InMemoryConfigStore()
        config.publish("reps", roster.model_dump(mode="json", exclude={"version"}))
        self.clock = FixedClock(now)
        self.deps = DeliveryDeps(outbox=self.outbox, config=config, notifiers=notifiers, clock=self.clock)
        self.event = NotificationQueued(
            notification_id=notification.notification_id,
            lead_id=notification.lead_id,
            rep_id=notification.rep_id,
            channel=notification.channel,
        )

    def deliver(self) -> Any:
        return deliver(self.event, self.deps)

    def delivery(self) -> Any:
        entry = self.outbox.get(self.notification.rep_id, self.notification.notification_id)
        assert entry is not None
        return entry.delivery


def slack_rep(url: str) -> Rep:
    return Rep(rep_id="ada", name="Ada", email="ada@example.com").model_copy(update={"slack_webhook_url": url})


# --- the Slack adapter ---------------------------------------------------------------------------------------------


def test_slack_message_carries_the_lead_summary_score_explanation_and_link(
    slack: FakeSlack, notification: Notification
) -> None:
    SlackNotifier(timeout_seconds=ANSWERED_IN_TIME).send(notification, slack_rep(slack.url))

    (message,) = slack.messages
    header, summary, score, _ = message["blocks"]
    assert message["text"].startswith("New lead for you: Ada Lovelace")
    assert header["text"]["text"] == notification.subject
    assert "*Name:* Ada Lovelace" in summary["text"]["text"] and "*Title:* VP Sales" in summary["text"]["text"]
    first_reason = notification.body.split("\n  - ")[1].split("\n")[0]
    assert score["text"]["text"].startswith("*Score ")  # the grade cell, e.g. "Score A1: fit 80, engagement 25"
    assert f"• {first_reason}" in score["text"]["text"]
    (button,) = message["blocks"][-1]["elements"]
    assert button["url"] == f"{NOTIFICATION_API}/v1/leads/{notification.lead_id}"


def test_slack_server_error_is_a_retryable_failure(slack: FakeSlack, notification: Notification) -> None:
    slack.status = 500

    with pytest.raises(DeliveryFailed) as failed:
        SlackNotifier(timeout_seconds=ANSWERED_IN_TIME).send(notification, slack_rep(slack.url))

    assert failed.value.retryable and "HTTP 500" in str(failed.value)


def test_slack_rate_limit_is_a_retryable_failure(slack: FakeSlack, notification: Notification) -> None:
    slack.status = 429

    with pytest.raises(DeliveryFailed) as failed:
        SlackNotifier(timeout_seconds=ANSWERED_IN_TIME).send(notification, slack_rep(slack.url))

    assert failed.value.retryable


def test_slack_timeout_is_a_retryable_failure(slack: FakeSlack, notification: Notification) -> None:
    slack.delay = 60  # held until the test ends: a notifier that waited for it would get a 200, not fail

    with pytest.raises(DeliveryFailed) as failed:
        SlackNotifier(timeout_seconds=0.1).send(notification, slack_rep(slack.url))

    assert failed.value.retryable


def test_revoked_slack_webhook_is_not_retryable(slack: FakeSlack, notification: Notification) -> None:
    slack.status = 404

    with pytest.raises(DeliveryFailed) as failed:
        SlackNotifier(timeout_seconds=ANSWERED_IN_TIME).send(notification, slack_rep(slack.url))

    assert not failed.value.retryable and "HTTP 404 no_service" in str(failed.value)


def test_mrkdwn_in_lead_data_is_shown_as_text(slack: FakeSlack, notification: Notification) -> None:
    payload = {**notification.payload, "company": "<!channel> & Co"}
    hostile = Notification(**{**notification.__dict__, "payload": payload})

    SlackNotifier(timeout_seconds=ANSWERED_IN_TIME).send(hostile, slack_rep(slack.url))

    assert "*Company:* &lt;!channel&gt; &amp; Co" in slack.messages[0]["blocks"][1]["text"]["text"]


# --- the SES adapter (moto) ----------------------------------------------------------------------------------------


# --- the delivery service ------------------------------------------------------------------------------------------


class FakeChannel:
    """A channel that fails with `error` while it is set, and counts what it sent."""

    def __init__(self, channel: str = "slack", error: DeliveryFailed | None = None) -> None:
        self.channel = channel
        self.error = error
        self.sent = 0

    def reaches(self, rep: Rep) -> bool:
        return True

    def send(self, notification: Notification, rep: Rep) -> None:
        if self.error is not None:
            raise self.error
        self.sent += 1


OUTAGE = DeliveryFailed("slack: HTTP 503", retryable=True)
REVOKED = DeliveryFailed("slack: HTTP 404 no_service", retryable=False)


@pytest.fixture
def setup_for(notification: Notification, default_reps: RepRoster, now: datetime) -> Callable[..., Setup]:
    def make(*notifiers: Notifier) -> Setup:
        return Setup(notification, default_reps, list(notifiers), now)

    return make


def test_delivered_notification_is_recorded_and_never_sent_twice(setup_for: Callable[..., Setup]) -> None:
    slack = FakeChannel()
    setup = setup_for(slack)

    first = setup.deliver()
    again = setup.deliver()

    assert (first.status, first.sent) == ("delivered", ["slack"])
    assert again.already_settled and slack.sent == 1
    delivery = setup.delivery()
    assert (delivery.status, delivery.sent, delivery.attempts) == ("delivered", {"slack"}, 1)
    assert delivery.delivered_at == setup.clock.now() and delivery.last_error is None


def test_rejected_delivery_is_recorded_without_raising_and_not_tried_again(setup_for: Callable[..., Setup]) -> None:
    slack = FakeChannel(error=REVOKED)
    setup = setup_for(slack)

    outcome = setup.deliver()
    setup.deliver()

    assert outcome.status == "failed"
    delivery = setup.delivery()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 1, "slack: HTTP 404 no_service")


def test_outage_raises_for_a_retry_which_then_delivers(setup_for: Callable[..., Setup]) -> None:
    slack = FakeChannel(error=OUTAGE)
    setup = setup_for(slack)

    with pytest.raises(DeliveryFailed) as failed:
        setup.deliver()
    assert failed.value.retryable
    assert (setup.delivery().status, setup.delivery().attempts) == ("retrying", 1)

    slack.error = None
    assert setup.deliver().status == "delivered"
    assert (setup.delivery().attempts, setup.delivery().last_error) == (2, None)


def test_a_retry_skips_the_channel_that_already_took_the_message(setup_for: Callable[..., Setup]) -> None:
    slack = FakeChannel()
    email = FakeChannel("email", error=OUTAGE)
    setup = setup_for(slack, email)

    with pytest.raises(DeliveryFailed):
        setup.deliver()
    email.error = None
    outcome = setup.deliver()

    assert (outcome.status, outcome.sent) == ("delivered", ["email", "slack"])
    assert (slack.sent, email.sent) == (1, 1)


def test_rep_without_webhook_or_email_sender_is_recorded_as_outbox_only(
    notification: Notification, default_reps: RepRoster, now: datetime
) -> None:
    setup = Setup(notification, default_reps, [SlackNotifier()], now)  # the demo reps have no webhook

    outcome = setup.deliver()

    assert (outcome.status, outcome.sent) == ("outbox_only", [])
    assert setup.delivery().delivered_at == now


class SlowChannel(FakeChannel):
    """A channel whose send holds until released, so two deliveries of one notification overlap however the threads
    are scheduled (a fixed pause let a late second delivery find the first one done)."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.release = threading.Event()

    def send(self, notification: Notification, rep: Rep) -> None:
        self.release.wait(timeout=10)  # a bug that sends twice still ends, and fails on the count
        with self.lock:
            self.sent += 1


def test_the_same_notification_delivered_twice_at_once_is_sent_once(setup_for: Callable[..., Setup]) -> None:
    slack = SlowChannel()
    setup = setup_for(slack)
    start = threading.Barrier(2)
    outcomes: list[Any] = []

    def delivery() -> None:
        start.wait()
        try:
            outcomes.append(setup.deliver())
        except DeliveryFailed as exc:
            outcomes.append(exc)
            slack.release.set()  # the copy that found the notification claimed is done: let the sender finish

    threads = [threading.Thread(target=delivery) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert slack.sent == 1
    (loser,) = [o for o in outcomes if isinstance(o, DeliveryFailed)]
    assert loser.retryable and "another delivery is sending it" in str(loser)
    retried = setup.deliver()  # Lambda's retry of the copy that found it claimed
    assert retried.already_settled and slack.sent == 1
    assert (setup.delivery().status, setup.delivery().attempts) == ("delivered", 1)


def test_a_claim_left_by_a_sender_that_died_is_taken_over_after_the_function_timeout(
    setup_for: Callable[..., Setup],
) -> None:
    slack = FakeChannel()
    setup = setup_for(slack)
    crashed_at = setup.clock.now()
    note = setup.notification
    assert setup.outbox.claim(
        note.rep_id, note.notification_id, token="dead", at=crashed_at, stale_before=crashed_at - CLAIM_TIMEOUT
    )

    with pytest.raises(DeliveryFailed):
        setup.deliver()  # the sender may still be alive: nothing is sent
    setup.clock.advance(seconds=CLAIM_TIMEOUT.total_seconds() + 1)
    outcome = setup.deliver()

    assert outcome.status == "delivered" and slack.sent == 1
    assert setup.delivery().claimed_at is None


def test_an_unexpected_failure_ends_the_claim_so_the_retry_need_not_wait(setup_for: Callable[..., Setup]) -> None:
    slack = FakeChannel(error=RuntimeError("connection pool is closed"))  # type: ignore[arg-type]
    setup = setup_for(slack)

    with pytest.raises(RuntimeError):
        setup.deliver()
    slack.error = None
    outcome = setup.deliver()

    assert outcome.status == "delivered" and slack.sent == 1


def test_sample_event_parses_as_a_queued_notification() -> None:
    event = NotificationQueued.model_validate(load_event("deliver/notification_queued.json")["detail"])

    assert event.rep_id == "dana-whitfield" and event.notification_id.startswith("assigned#")
