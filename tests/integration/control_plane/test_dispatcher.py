"""The dispatcher Lambda on SQS batches: one dial per attempt, partial batch failures."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from shared.calls import media_tokens
from shared.queue.event_source import sqs_event
from tests.integration.control_plane.lambdas import Lambdas
from tests.integration.control_plane.support import FakeDialer, api_event


async def trigger(lambdas: Lambdas, driver: str = "D-1", trip: str = "T-1") -> str:
    body = {"driver_id": driver, "trip_id": trip, "phone": "55 1234 5678"}
    status, answer = await lambdas.api(api_event("POST", "/api/calls", body))
    assert status == 202, answer
    return str(answer["call_id"])


def receive_event(lambdas: Lambdas) -> dict[str, Any]:
    """The next batch exactly as the event source mapping would pass it."""
    queues = lambdas.queues
    answer = queues.client.receive_message(
        QueueUrl=queues.url,
        MaxNumberOfMessages=10,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    arn = queues.client.get_queue_attributes(QueueUrl=queues.url, AttributeNames=["QueueArn"])
    return sqs_event(answer["Messages"], arn["Attributes"]["QueueArn"], "us-east-1")


async def test_a_redelivered_message_dials_once(
    lambdas: Lambdas, dialer: FakeDialer, cp_pool: asyncpg.Pool
) -> None:
    call_id = await trigger(lambdas)
    event = receive_event(lambdas)

    first = await lambdas.dispatcher(event)
    again = await lambdas.dispatcher(event)  # SQS at-least-once: the same record again

    assert first == again == {"batchItemFailures": []}
    assert [d.call_id for d in dialer.dials] == [call_id]
    row = await cp_pool.fetchrow(
        "SELECT status, attempts FROM calls WHERE id = $1", uuid.UUID(call_id)
    )
    assert dict(row) == {"status": "dialing", "attempts": 1}
    attempts = await cp_pool.fetch(
        "SELECT attempt_no, telephony_session_id FROM attempts WHERE call_id = $1",
        uuid.UUID(call_id),
    )
    assert [tuple(a) for a in attempts] == [(1, dialer.dials[0].telephony_session_id)]


async def test_the_same_dispatch_sent_twice_dials_once(
    lambdas: Lambdas, dialer: FakeDialer
) -> None:
    call_id = await trigger(lambdas)
    body = receive_event(lambdas)["Records"][0]["body"]
    lambdas.queues.client.send_message(QueueUrl=lambdas.queues.url, MessageBody=body)
    lambdas.queues.client.send_message(QueueUrl=lambdas.queues.url, MessageBody=body)

    await lambdas.dispatch_queued()

    assert [d.call_id for d in dialer.dials] == [call_id]


async def test_the_dial_carries_a_media_token_bound_to_the_call(
    lambdas: Lambdas, dialer: FakeDialer, redis_client: Any, redis_prefix: str
) -> None:
    call_id = await trigger(lambdas)

    await lambdas.dispatch_queued()

    (dial,) = dialer.dials
    assert dial.phone == "+525512345678"
    token_id = media_tokens.token_id(dial.media_token)
    assert await redis_client.get(f"{redis_prefix}media:{token_id}") == call_id.encode()
    session = await redis_client.hget(f"{redis_prefix}call:{call_id}", "body")
    assert b'"trip_id":"T-1"' in session  # the trip is pinned in the session


async def test_a_poison_message_fails_alone(lambdas: Lambdas, dialer: FakeDialer) -> None:
    call_id = await trigger(lambdas)
    queues = lambdas.queues
    queues.client.send_message(QueueUrl=queues.url, MessageBody='{"call": "no such shape"}')
    event = receive_event(lambdas)
    poison = next(r["messageId"] for r in event["Records"] if "no such shape" in r["body"])

    answer = await lambdas.dispatcher(event)

    assert answer == {"batchItemFailures": [{"itemIdentifier": poison}]}
    assert [d.call_id for d in dialer.dials] == [call_id]


async def test_the_event_source_keeps_only_the_failure_for_a_retry(
    lambdas: Lambdas, dialer: FakeDialer
) -> None:
    await trigger(lambdas)
    queues = lambdas.queues
    queues.client.send_message(QueueUrl=queues.url, MessageBody="not json at all")

    assert await lambdas.dispatch_queued() == 2

    assert len(dialer.dials) == 1
    assert queues.depth() == 1  # the poison, invisible until its visibility timeout ends


async def test_a_message_that_keeps_failing_ends_in_the_dead_letter_queue(
    lambdas: Lambdas, dialer: FakeDialer
) -> None:
    queues = lambdas.queues
    # Visible again at once, so the redrive limit (5 receives) is reached without waiting.
    queues.client.set_queue_attributes(QueueUrl=queues.url, Attributes={"VisibilityTimeout": "0"})
    queues.client.send_message(QueueUrl=queues.url, MessageBody="not json at all")

    assert await lambdas.dispatch_queued() == 5

    assert (queues.depth(), queues.depth(queues.dead_letter_url)) == (0, 1)
    assert dialer.dials == []


async def test_a_message_for_a_call_that_moved_on_is_dropped(
    lambdas: Lambdas, dialer: FakeDialer, cp_pool: asyncpg.Pool
) -> None:
    call_id = await trigger(lambdas)
    await cp_pool.execute(
        "UPDATE calls SET status = 'completed', outcome = 'confirmed' WHERE id = $1",
        uuid.UUID(call_id),
    )

    await lambdas.dispatch_queued()

    assert dialer.dials == []
