"""Email to leads through Amazon SES (API v2), as a raw MIME message: a plain-text and an HTML part, the
configuration set that reports deliveries, opens, clicks, bounces and complaints back to leadflow, message tags
that attribute those reports to the track, step and variant, and for marketing mail the one-click unsubscribe
headers of RFC 8058 (`List-Unsubscribe: <https://...>` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`),
which mailbox providers require of bulk senders."""

from __future__ import annotations

import re
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from leadflow.ports import EmailMessage, MailNotSent

# SES message tag names and values: ASCII letters, digits, underscore, dash, period; at most 256 characters.
_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
MAX_TAG_LENGTH = 256


def mime_message(message: EmailMessage, from_address: str) -> bytes:
    """The message as SES sends it: multipart/alternative (text, then HTML) when there is an HTML part."""
    mime = MimeMessage()
    mime["From"] = from_address
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(message.created_at.timestamp(), usegmt=True)
    mime["Message-ID"] = make_msgid(idstring=_tag(message.message_id)[:64], domain=from_address.rpartition("@")[2])
    if message.kind == "marketing" and message.unsubscribe_url:
        mime["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mime.set_content(message.text)
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html")
    return mime.as_bytes()


def _tag(value: str) -> str:
    return _TAG_UNSAFE.sub("_", value)[:MAX_TAG_LENGTH] or "_"


class SesMailer:
    """`client` is a boto3 `sesv2` client; `from_address` a verified identity's address."""

    def __init__(self, client: Any, from_address: str, configuration_set: str = "") -> None:
        if not from_address:
            raise ValueError("a mailer needs a sender address (SES_FROM_ADDRESS)")
        self._client = client
        self._from = from_address
        self._configuration_set = configuration_set

    def send(self, message: EmailMessage) -> None:
        request: dict[str, Any] = {
            "FromEmailAddress": self._from,
            "Destination": {"ToAddresses": [message.to]},
            "Content": {"Raw": {"Data": mime_message(message, self._from)}},
            "EmailTags": [
                {"Name": _tag(name), "Value": _tag(value)}
                for name, value in {**message.tags, "lead_id": message.lead_id, "kind": message.kind}.items()
            ],
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            self._client.send_email(**request)
        except (ClientError, BotoCoreError) as exc:
            raise MailNotSent(f"SES did not take message {message.message_id}: {exc}") from exc


class LogOnlyMailer:
    """No mail service (no SES_FROM_ADDRESS, as locally): sends nothing; the mail log, which every send writes
    first, is then the record of what would have gone (the local dashboard's outbox)."""

    def send(self, message: EmailMessage) -> None:
        return None
