"""Slack delivery: posts a rep's notification to their incoming webhook (Rep.slack_webhook_url) as a Block Kit
message: who the lead is, why they scored (the cell and the top score lines) and a button to the lead.

Slack answers 200 "ok" when it took the message. 429 and 5xx are Slack being busy or down, so they are retryable;
other 4xx (404 no_service, 403 action_prohibited, 410 channel_is_archived, 400 invalid_payload) mean the webhook is
revoked or the message is wrong, which no retry can fix. Standard library only, like the enrichment provider.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from http import HTTPStatus
from typing import Any

from leadflow.adapters.circuit_breaker import CircuitBreaker
from leadflow.models.rules import Rep
from leadflow.observability import logger
from leadflow.ports import DeliveryFailed, Notification

SECTION_MAX_CHARS = 3000  # Block Kit's limit on a section's text
HEADER_MAX_CHARS = 150  # Block Kit's limit on a header's plain text
TOP_SCORE_LINES = 5  # enough to say why the lead qualified; the full explanation is one click away
MAX_ERROR_BODY = 200


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A webhook URL is a secret; a redirect would send the message (lead data) to wherever it points.
    def redirect_request(  # noqa: PLR0917 -- urllib's signature, overridden
        self, req: urllib.request.Request, fp: object, code: int, msg: str, headers: object, newurl: str
    ) -> None:
        return None


class SlackNotifier:
    """Posts to the rep's own webhook. One breaker for Slack as a whole: when Slack is down every webhook is."""

    channel: str = "slack"

    def __init__(self, *, timeout_seconds: float = 5.0, breaker: CircuitBreaker | None = None) -> None:
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        self.timeout_seconds = timeout_seconds
        self.breaker = breaker or CircuitBreaker()
        self._opener = urllib.request.build_opener(_NoRedirects)

    def reaches(self, rep: Rep) -> bool:
        return bool(rep.slack_webhook_url)

    def send(self, notification: Notification, rep: Rep) -> None:
        url = rep.slack_webhook_url
        if not url or urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise DeliveryFailed(f"rep {rep.rep_id} has no usable Slack webhook", retryable=False)
        if not self.breaker.acquire():
            raise DeliveryFailed("Slack failed repeatedly; not asked until the breaker half-opens", retryable=True)
        try:
            self._post(url, slack_message(notification))
        except DeliveryFailed as exc:
            # A revoked webhook is one rep's problem, not Slack's: only retryable failures count against Slack.
            if exc.retryable:
                self.breaker.record_failure()
            else:
                self.breaker.record_success()
            raise
        except BaseException:
            self.breaker.record_failure()
            raise
        self.breaker.record_success()

    def _post(self, url: str, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "leadflow-notify"}
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310 - scheme checked
        started = time.monotonic()
        try:
            with self._opener.open(request, timeout=self.timeout_seconds) as response:
                response.read(MAX_ERROR_BODY)
        except urllib.error.HTTPError as exc:
            detail = exc.read(MAX_ERROR_BODY).decode(errors="replace").strip()
            exc.close()
            retryable = exc.code == HTTPStatus.TOO_MANY_REQUESTS or exc.code >= HTTPStatus.INTERNAL_SERVER_ERROR
            raise _failed(f"HTTP {exc.code} {detail}".strip(), retryable, started) from exc
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets: Slack may answer later
            raise _failed(type(exc).__name__, True, started) from exc


def _failed(reason: str, retryable: bool, started: float) -> DeliveryFailed:
    # The webhook URL is a credential: it is never logged, only the outcome.
    elapsed_ms = round((time.monotonic() - started) * 1000)
    logger.warning("slack delivery failed", extra={"reason": reason, "retryable": retryable, "elapsed_ms": elapsed_ms})
    return DeliveryFailed(f"slack: {reason}", retryable=retryable)


def slack_message(notification: Notification) -> dict[str, Any]:
    """The Block Kit message; `text` is what Slack shows in the push notification and where blocks are not shown."""
    payload = notification.payload
    link = str(payload.get("lead_url") or "")
    summary = _summary(payload)
    explanation = _explanation_from_payload(payload) or score_explanation(notification.body)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": notification.subject[:HEADER_MAX_CHARS]}},
    ]
    if summary:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": summary[:SECTION_MAX_CHARS]}})
    if explanation:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": explanation[:SECTION_MAX_CHARS]}})
    if link:
        blocks.append(
            {
                "type": "actions",
                "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Open the lead"}, "url": link}],
            }
        )
    text = f"{notification.subject} {link}".strip()
    return {"text": text, "blocks": blocks}


def score_explanation(body: str) -> str | None:
    """The score cell and the top score lines, from the notification's text (domain.notifications writes them as
    the paragraph starting "Score <cell>:", one "  - reason" line per rule)."""
    for paragraph in body.split("\n\n"):
        lines = paragraph.splitlines()
        if lines and lines[0].startswith("Score "):
            reasons = [line.strip().removeprefix("- ") for line in lines[1:] if line.strip().startswith("- ")]
            shown = [f"• {_escape(reason)}" for reason in reasons[:TOP_SCORE_LINES]]
            if len(reasons) > TOP_SCORE_LINES:
                shown.append(f"_and {len(reasons) - TOP_SCORE_LINES} more_")
            return "\n".join([f"*{_escape(lines[0].rstrip(':'))}*", *shown])
    return None


def _explanation_from_payload(payload: dict[str, Any]) -> str | None:
    """The score cell and top lines as the notify step stores them (older notifications carry only the text)."""
    cell, reasons = payload.get("score_cell"), payload.get("score_lines")
    if not cell or not isinstance(reasons, list):
        return None
    shown = [f"• {_escape(str(reason))}" for reason in reasons[:TOP_SCORE_LINES]]
    if len(reasons) > TOP_SCORE_LINES:
        shown.append(f"_and {len(reasons) - TOP_SCORE_LINES} more_")
    return "\n".join([f"*Score {_escape(str(cell))}*", *shown])


def _summary(payload: dict[str, Any]) -> str:
    rows = [
        ("Name", payload.get("name")),
        ("Company", payload.get("company")),
        ("Title", payload.get("title")),
        ("Email", payload.get("email")),
        ("Stage", payload.get("stage")),
    ]
    return "\n".join(f"*{label}:* {_escape(str(value))}" for label, value in rows if value)


def _escape(text: str) -> str:
    # Slack's mrkdwn reads &, < and > as control characters (links, mentions); lead data must stay text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["SlackNotifier", "score_explanation", "slack_message"]
