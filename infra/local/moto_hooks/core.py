"""moto's request handling as a service answers it: the handler's method names looked up once per class, no
signature computed for a request that never leaves the process, and every hook that spares per-request work."""

from __future__ import annotations

import functools
from typing import Any

import moto.core.responses as moto_responses
from botocore.signers import RequestSigner

from infra.local.moto_hooks.dynamodb import copy_update_expressions_as_trees
from infra.local.moto_hooks.step_functions import parse_each_definition_once, parse_each_json_path_once

_SIGN = RequestSigner.sign


def look_up_handler_methods_once() -> None:
    """moto lists a response class's methods with inspect.getmembers on every request it dispatches, to find the
    one named after the action (~1% of the runtime's CPU under load); a class's methods do not change between
    requests, so the list is kept per class."""
    lookup = getattr(moto_responses, "method_names_from_class")  # noqa: B009 - imported there, not exported
    if not hasattr(lookup, "cache_info"):
        setattr(moto_responses, "method_names_from_class", functools.lru_cache(maxsize=None)(lookup))  # noqa: B010


def leave_requests_unsigned() -> None:
    """AWS checks each request's Signature Version 4; moto checks none, and locally there are no credentials to
    prove. Computing the signature (canonical request, HMAC chain) cost 0.2-0.4 ms of each ~1-1.5 ms DynamoDB call
    in this process, ~70 calls a lead. Requests go unsigned; presigned URLs are still signed. moto then takes the
    default account, the one the runtime deploys to (it read it from the fake access key before)."""

    def sign(
        self: RequestSigner,
        operation_name: str,
        request: Any,
        region_name: str | None = None,
        signing_type: str = "standard",
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if signing_type != "standard":
            _SIGN(self, operation_name, request, region_name, signing_type, *args, **kwargs)

    RequestSigner.sign = sign  # type: ignore[method-assign]


def spare_per_request_work() -> None:
    """Every hook that does once, or not at all, what moto does for each request and AWS does not: the handler's
    method names, request signatures, state machine definitions and JSONPaths parsed, update expressions copied."""
    look_up_handler_methods_once()
    leave_requests_unsigned()
    copy_update_expressions_as_trees()
    parse_each_definition_once()
    parse_each_json_path_once()
