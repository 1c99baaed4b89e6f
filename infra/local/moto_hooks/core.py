"""moto's request handling as a service answers it: the handler's method names looked up once per class."""

from __future__ import annotations

import functools

import moto.core.responses as moto_responses


def look_up_handler_methods_once() -> None:
    """moto lists a response class's methods with inspect.getmembers on every request it dispatches, to find the
    one named after the action (~1% of the runtime's CPU under load); a class's methods do not change between
    requests, so the list is kept per class."""
    lookup = getattr(moto_responses, "method_names_from_class")  # noqa: B009 - imported there, not exported
    if not hasattr(lookup, "cache_info"):
        setattr(moto_responses, "method_names_from_class", functools.lru_cache(maxsize=None)(lookup))  # noqa: B010
