"""What Lambda's SQS event source mapping does, for running the dispatcher off AWS.

It long-polls the queue, hands the batch to the handler in the exact event shape Lambda
uses (`Records[]` with `messageId`, `receiptHandle`, `body`, `attributes`,
`messageAttributes`, `eventSource`, `eventSourceARN`...), and deletes the messages the
handler did not list in `batchItemFailures`; those become visible again after the
visibility timeout and are retried, landing in the DLQ after the redrive limit, as in AWS.
The local stack points it at moto in server mode; the tests at moto's in-process mock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from shared.observability.logging import get_logger

_log = get_logger(__name__)
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The Lambda event for messages as `ReceiveMessage` returned them."""
    return {"Records": [_record(m, queue_arn, region) for m in messages]}


def _record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType", "String"),
        }
        for name, value in message.get("MessageAttributes", {}).items()
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class SqsEventSource:
    def __init__(
        self,
        client: Any,
        queue_url: str,
        handler: LambdaHandler,
        executor: Executor | None = None,
    ) -> None:
        """`executor` runs the handler; by default one thread of its own, so the handler
        keeps its event loop and connections between batches, as one Lambda execution
        environment does. Pass the thread other handlers of the process run on to share
        their `LambdaRuntime`."""
        self._client = client
        self._url = queue_url
        self._handler = handler
        self._own_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(1, thread_name_prefix="sqs-source")
        self._arn: str | None = None

    async def poll_once(
        self, max_messages: int = 10, wait_seconds: int = 0, context: Any = None
    ) -> int:
        """Receive one batch, run the handler on it, delete what succeeded; the batch size."""
        answer = await asyncio.to_thread(
            self._client.receive_message,
            QueueUrl=self._url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        if not messages:
            return 0
        event = sqs_event(messages, await self._queue_arn(), self._client.meta.region_name)
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._executor, self._handler, event, context)
        except Exception as exc:
            # A failed invocation (Powertools raises when every record failed): as in AWS,
            # nothing is deleted and the whole batch comes back after the visibility timeout.
            _log.warning("sqs_batch_failed", records=len(messages), error_type=type(exc).__name__)
            return len(messages)
        failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        done = [
            {"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]}
            for index, m in enumerate(messages)
            if m["MessageId"] not in failed
        ]
        if done:
            await asyncio.to_thread(
                self._client.delete_message_batch, QueueUrl=self._url, Entries=done
            )
        return len(messages)

    async def run(self, wait_seconds: int = 5, context: Any = None) -> None:
        """Poll until cancelled."""
        while True:
            await self.poll_once(wait_seconds=wait_seconds, context=context)

    def close(self) -> None:
        if self._own_executor:
            self._executor.shutdown(wait=True)

    async def _queue_arn(self) -> str:
        if self._arn is None:
            answer = await asyncio.to_thread(
                self._client.get_queue_attributes, QueueUrl=self._url, AttributeNames=["QueueArn"]
            )
            self._arn = str(answer["Attributes"]["QueueArn"])
        return self._arn
