"""The dispatch queue on Amazon SQS: what the API and the scheduler send to in AWS.

A standard queue, not FIFO: FIFO refuses per-message `DelaySeconds` (the dispatcher sends
a message back with a delay when no dial token is free), and its 5-minute deduplication
would not cover a redial anyway. Standard delivers at least once and out of order, which
the dispatcher absorbs: the message is only a pointer to the calls row, and dialling is
guarded per (call, attempt).

boto3 is synchronous; each request runs in a worker thread (`asyncio.to_thread`) so the
event loop keeps serving. boto3 clients are thread-safe; one is made per queue object.
"""

from __future__ import annotations

import asyncio
from typing import Any

import boto3

from shared.queue.base import check_delay
from shared.queue.messages import DispatchMessage


def sqs_client() -> Any:
    """An SQS client from the environment; locally AWS_ENDPOINT_URL points it at moto."""
    return boto3.client("sqs")


class SqsDispatchQueue:
    """`DispatchQueue` over one SQS queue URL."""

    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        if not queue_url:
            raise ValueError("SqsDispatchQueue needs the queue URL")
        self._url = queue_url
        self._client = client if client is not None else sqs_client()

    async def send(self, message: DispatchMessage, delay_seconds: int = 0) -> None:
        check_delay(delay_seconds)
        await asyncio.to_thread(
            self._client.send_message,
            QueueUrl=self._url,
            MessageBody=message.model_dump_json(),
            DelaySeconds=delay_seconds,
            # Visible in the console and the DLQ without opening the body.
            MessageAttributes={"call_id": {"DataType": "String", "StringValue": message.call_id}},
        )

    async def depth(self) -> int:
        """Messages waiting, visible or delayed: for the local stack's status line and tests."""
        answer = await asyncio.to_thread(
            self._client.get_queue_attributes,
            QueueUrl=self._url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"],
        )
        attributes = answer.get("Attributes", {})
        return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
            attributes.get("ApproximateNumberOfMessagesDelayed", 0)
        )
