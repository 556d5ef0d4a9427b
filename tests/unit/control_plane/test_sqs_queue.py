"""SqsDispatchQueue and the local SQS event source, against moto."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from shared.queue import DispatchMessage
from shared.queue.event_source import SqsEventSource
from shared.queue.sqs import SqsDispatchQueue

pytestmark = pytest.mark.usefixtures("aws")


def make_queue(name: str = "karla-dispatch") -> tuple[Any, str]:
    client = boto3.client("sqs")
    return client, client.create_queue(QueueName=name)["QueueUrl"]


async def test_a_message_travels_as_json_with_the_call_id_attribute() -> None:
    client, url = make_queue()
    queue = SqsDispatchQueue(url)

    await queue.send(DispatchMessage(call_id="c-1", attempt=2))

    (message,) = client.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert DispatchMessage.model_validate_json(message["Body"]) == DispatchMessage(
        call_id="c-1", attempt=2
    )
    assert message["MessageAttributes"]["call_id"]["StringValue"] == "c-1"


async def test_a_delayed_message_waits_and_counts_in_the_depth() -> None:
    client, url = make_queue()
    queue = SqsDispatchQueue(url)

    await queue.send(DispatchMessage(call_id="c-1"), delay_seconds=900)

    assert client.receive_message(QueueUrl=url).get("Messages", []) == []
    assert await queue.depth() == 1


async def test_delays_beyond_what_sqs_allows_are_refused() -> None:
    _, url = make_queue()

    with pytest.raises(ValueError, match=r"0\.\.900"):
        await SqsDispatchQueue(url).send(DispatchMessage(call_id="c-1"), delay_seconds=901)


async def test_the_event_source_passes_lambdas_shape_and_deletes_only_successes() -> None:
    client, url = make_queue()
    queue = SqsDispatchQueue(url)
    await queue.send(DispatchMessage(call_id="good"))
    client.send_message(QueueUrl=url, MessageBody="not a dispatch message")
    seen: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        seen.append(event)
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]}
                for r in event["Records"]
                if not r["body"].startswith("{")
            ]
        }

    source = SqsEventSource(client, url, handler)
    try:
        assert await source.poll_once() == 2
    finally:
        source.close()

    records = seen[0]["Records"]
    assert {r["eventSource"] for r in records} == {"aws:sqs"}
    assert records[0]["eventSourceARN"].endswith(":karla-dispatch")
    assert set(records[0]) == {
        "messageId", "receiptHandle", "body", "attributes", "messageAttributes",
        "md5OfBody", "eventSource", "eventSourceARN", "awsRegion",
    }  # fmt: skip
    assert "ApproximateReceiveCount" in records[0]["attributes"]
    good = next(r for r in records if r["body"].startswith("{"))
    assert json.loads(good["body"])["call_id"] == "good"
    assert good["messageAttributes"]["call_id"]["stringValue"] == "good"
    attributes = client.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"  # the failure, in flight
