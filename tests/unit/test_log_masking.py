"""Log lines never carry a person's email, phone or name: what the masking formatter and filter leave of the ways
code writes them (structured extras, appended keys, messages, exceptions, library log records)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from aws_lambda_powertools import Logger
from leadflow.log_masking import MASK, MaskingFilter, MaskingFormatter, mask, mask_handlers, mask_text


@pytest.mark.parametrize(
    "text",
    [
        "reply to Ada.Lovelace+web@example.co.uk now",
        "call +1 (415) 555-0142",
        "call +14155550142",
        "call (415) 555-0142",
        "call 415.555.0142",
        "call +49 30 1234567",
        "call 030 1234 5678",
    ],
)
def test_emails_and_phone_numbers_in_free_text_are_masked(text: str) -> None:
    masked = mask_text(text)

    assert MASK in masked
    assert not any(part in masked for part in ("Lovelace", "555", "1234", "+1415"))


@pytest.mark.parametrize(
    "text",
    [
        "at 2026-12-04T15:14:26.331604+00:00",
        "2026-12-04 15:14:26,423+0000",
        "arn:aws:states:us-east-1:123456789012:execution:leadflow-SlaTimer:06392521-d8e4-4cb9-bdc6-c9fd92c6b648",
        "lead_01m90sxx1w8a7a7zys52fcrqq8 scored 0.989 with rules v1.2.3 in 1234.5 ms",
        "fit 70, engagement 51, cell A2",
    ],
)
def test_times_ids_and_numbers_are_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_personal_keys_are_masked_at_any_depth_and_other_values_kept() -> None:
    document = {
        "lead_id": "lead-1",
        "lead": {"first_name": "Ada", "Last_Name": "Lovelace", "emails": ["ada@sap.com"], "company": "SAP"},
        "history": [{"detail": {"name": "Ada Lovelace", "phone": "+14155550142"}}],
        "title": None,
    }

    assert mask(document) == {
        "lead_id": "lead-1",
        "lead": {"first_name": MASK, "Last_Name": MASK, "emails": MASK, "company": "SAP"},
        "history": [{"detail": {"name": MASK, "phone": MASK}}],
        "title": None,
    }


def test_personal_values_quoted_in_text_are_masked() -> None:
    text = (
        """Lead(first_name='Ada', title='VP') {"last_name": {"S": "Lovelace"}} \\"name\\": \\"Ada\\" """
        "[type=string_type, input_value='Ada Lovelace', input_type=str]"
    )

    masked = mask_text(text)

    assert "Ada" not in masked and "Lovelace" not in masked and "title='VP'" in masked


def powertools_logger(stream: io.StringIO) -> Logger:
    logger = Logger(
        service="masking-test", logger_formatter=MaskingFormatter(), logger_handler=logging.StreamHandler(stream)
    )
    logger.setLevel("DEBUG")
    return logger


def test_the_powertools_logger_masks_extras_appended_keys_messages_and_exceptions() -> None:
    stream = io.StringIO()
    logger = powertools_logger(stream)
    logger.append_keys(email="ada@sap.com")

    logger.debug("lead %s", "ada@sap.com", extra={"lead": {"first_name": "Ada", "phone": "+1 415 555 0142"}})
    try:
        raise ValueError("ada.lovelace@sap.com: not deliverable, try +1 (415) 555-0142")
    except ValueError:
        logger.exception("delivery failed", extra={"lead_id": "lead-1"})

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["message"] for line in lines] == [f"lead {MASK}", "delivery failed"]
    assert lines[0]["email"] == MASK and lines[0]["lead"] == {"first_name": MASK, "phone": MASK}
    assert lines[1]["lead_id"] == "lead-1" and lines[1]["service"] == "masking-test"
    assert "ada" not in stream.getvalue().lower() and "555" not in stream.getvalue()
    assert lines[1]["exception_name"] == "ValueError" and MASK in lines[1]["exception"]


def test_library_records_through_a_masked_plain_handler_are_masked() -> None:
    stream = io.StringIO()
    library = logging.getLogger("masking-test.library")
    library.propagate = False
    handler = logging.StreamHandler(stream)
    library.addHandler(handler)
    mask_handlers(library)
    mask_handlers(library)  # once is enough; twice changes nothing

    try:
        raise RuntimeError("PutItem failed for ada@sap.com")
    except RuntimeError:
        library.exception("request %s", {"email": "ada@sap.com", "phone": "+14155550142"})

    assert len(handler.filters) == 1 and isinstance(handler.filters[0], MaskingFilter)
    written = stream.getvalue()
    assert "ada@sap.com" not in written and "+14155550142" not in written
    assert "RuntimeError: PutItem failed for *****" in written
    library.removeHandler(handler)
