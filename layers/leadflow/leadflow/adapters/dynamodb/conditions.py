"""Key and filter conditions built safely from several threads on one boto3 DynamoDB resource.

boto3 gives a resource's client one ConditionExpressionBuilder and resets its placeholder counters at the start of
every request. Two threads building `Key(...)` conditions at once therefore hand out the same `#n0` to different
attributes and one request loses its key ("Query condition missed key schema element: pk"). A Lambda runs one
invocation at a time, but a step's side-by-side reads and the local runtime's concurrent handlers share the client:
each thread gets a builder of its own.
"""

from __future__ import annotations

import threading
from typing import Any

from boto3.dynamodb.conditions import ConditionExpressionBuilder


class BuilderPerThread:
    """What boto3's TransformationInjector asks of its builder (reset, build_expression), one builder per thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _builder(self) -> ConditionExpressionBuilder:
        builder: ConditionExpressionBuilder | None = getattr(self._local, "builder", None)
        if builder is None:
            builder = self._local.builder = ConditionExpressionBuilder()
        return builder

    def reset(self) -> None:
        self._builder().reset()

    def build_expression(self, condition: Any, is_key_condition: bool = False) -> Any:
        return self._builder().build_expression(condition, is_key_condition=is_key_condition)


def build_conditions_per_thread(resource: Any) -> Any:
    """The resource, its client's condition builder made per thread (boto3 registers the injector of the first
    resource made on a client, `_injector`, and ignores the others')."""
    resource._injector._condition_builder = BuilderPerThread()
    return resource
