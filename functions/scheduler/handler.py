"""Scheduler Lambda: EventBridge Scheduler's `{"action": "open_window" | "close_window" |
"sweep"}`, run by `shared.calls.sweep.Sweeper` against the control plane's clock."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.runtime import RUNTIME
from shared.aws.workers import metrics, run_schedule

logger = Logger(service="karla-scheduler")
tracer = Tracer(service="karla-scheduler")


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context(log_event=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_schedule(RUNTIME, event)
