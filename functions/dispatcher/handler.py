"""Dispatcher Lambda: an SQS batch of dispatch messages, each dialled at most once.

Failures are reported per record (`ReportBatchItemFailures`), so one bad message is
retried (and finally dead-lettered) alone while the rest of the batch is deleted.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.aws.runtime import RUNTIME
from shared.aws.workers import DispatchWorker, metrics

logger = Logger(service="karla-dispatcher")
tracer = Tracer(service="karla-dispatcher")
processor = BatchProcessor(event_type=EventType.SQS)


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    worker = RUNTIME.worker(DispatchWorker)
    worker.bind(context)
    return process_partial_response(
        event=event, record_handler=worker.handle, processor=processor, context=context
    )
