"""Powertools logger, tracer and metrics, created once and shared by every handler and service.

The X-Ray SDK is not in the Lambda layer (it brings botocore, ~30 MB, which the runtime already has): handlers are
traced with Powertools' Tracer only where the template turned tracing on (`Tracing=Active` sets
POWERTOOLS_TRACE_DISABLED=false) and the SDK is installed. Everywhere else the handler runs untraced and the SDK is
never imported.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from leadflow.log_masking import MaskingFormatter, mask_handlers

# Every line masked (leadflow/log_masking.py): no email, phone or name reaches the logs, whoever logged it.
logger = Logger(logger_formatter=MaskingFormatter())
mask_handlers()  # the Lambda runtime's own handler, which library loggers and uncaught errors reach
metrics = Metrics()


def log_metrics(handler: Callable[..., Any]) -> Callable[..., Any]:
    """`metrics.log_metrics`, with the metric set emptied after every invocation when metrics are disabled.

    Powertools' flush prints and clears the set when metrics are on (Lambda), but when POWERTOOLS_METRICS_DISABLED is
    set it returns without clearing: in a process that runs many invocations (the local runtime, the tests), every
    value would then stay in the one shared set, and once a metric holds 100 values Powertools prints the set anyway.
    """
    flushed = metrics.log_metrics(handler)

    @functools.wraps(handler)
    def invoke(event: Any, context: Any) -> Any:
        try:
            return flushed(event, context)
        finally:
            if is_metrics_disabled():
                metrics.clear_metrics()

    return invoke


class Untraced:
    """Stands in for Tracer where tracing is off: the handler runs exactly as written."""

    def capture_lambda_handler(self, lambda_handler: Callable[..., Any]) -> Callable[..., Any]:
        return lambda_handler


def tracing_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Tracing is on only inside Lambda, and only when the template did not disable it (the same rule as Tracer's)."""
    env = os.environ if environ is None else environ
    disabled = env.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in {"1", "true", "yes", "on", "y", "t"}
    in_lambda = bool(env.get("LAMBDA_TASK_ROOT")) and not env.get("AWS_SAM_LOCAL")
    return in_lambda and not disabled


def make_tracer(environ: Mapping[str, str] | None = None) -> Tracer | Untraced:
    if not tracing_requested(environ):
        return Untraced()
    # Tracer imports the SDK on creation and would fail with a bare ImportError: say what is missing instead.
    if importlib.util.find_spec("aws_xray_sdk") is None:
        # Lambda still records its own segment for the invocation; only the handler's subsegments are missing.
        logger.warning(
            "Tracing is Active but aws-xray-sdk is not installed: add it to layers/leadflow/requirements.txt "
            "to trace inside the handlers; running untraced"
        )
        return Untraced()
    return Tracer()


tracer = make_tracer()
