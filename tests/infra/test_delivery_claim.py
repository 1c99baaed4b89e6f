"""A notification's claim must outlive the function that holds it: taken over any sooner, a sender that is still
running and the one taking over would both send it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from leadflow.services.delivery import CLAIM_TIMEOUT


def test_a_delivery_claim_goes_stale_only_after_the_deliver_function_timed_out(template: dict[str, Any]) -> None:
    own = template["Resources"]["DeliverFunction"]["Properties"].get("Timeout")
    timeout = timedelta(seconds=own or template["Globals"]["Function"]["Timeout"])

    assert timeout < CLAIM_TIMEOUT
