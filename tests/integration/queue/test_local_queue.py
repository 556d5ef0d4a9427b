"""The Redis stand-in for SQS: delays, batching, and no double delivery."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import redis.asyncio as aioredis

from shared.queue import MAX_DELAY_SECONDS, DispatchMessage
from shared.queue.local import RedisDispatchQueue


@pytest.fixture
def queue(redis_client: aioredis.Redis, redis_prefix: str) -> RedisDispatchQueue:
    return RedisDispatchQueue(redis_client, redis_prefix)


async def test_sent_message_is_received_once(queue: RedisDispatchQueue) -> None:
    sent = DispatchMessage(
        call_id="c-1", attempt=2, not_before=dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC)
    )
    await queue.send(sent)

    assert await queue.receive(wait_seconds=0) == [sent]
    assert await queue.receive(wait_seconds=0) == []


async def test_equal_messages_are_both_kept(queue: RedisDispatchQueue) -> None:
    await queue.send(DispatchMessage(call_id="same"))
    await queue.send(DispatchMessage(call_id="same"))

    assert await queue.depth() == 2
    assert [m.call_id for m in await queue.receive(wait_seconds=0)] == ["same", "same"]


async def test_delayed_message_is_not_due_yet(queue: RedisDispatchQueue) -> None:
    await queue.send(DispatchMessage(call_id="later"), delay_seconds=600)
    await queue.send(DispatchMessage(call_id="now"))

    assert [m.call_id for m in await queue.receive(wait_seconds=0)] == ["now"]
    assert await queue.receive(wait_seconds=0) == []
    assert await queue.depth() == 1


async def test_receive_respects_max_messages(queue: RedisDispatchQueue) -> None:
    for i in range(5):
        await queue.send(DispatchMessage(call_id=f"c-{i}"))

    first = await queue.receive(max_messages=3, wait_seconds=0)
    rest = await queue.receive(max_messages=10, wait_seconds=0)

    assert len(first) == 3
    assert sorted(m.call_id for m in first + rest) == [f"c-{i}" for i in range(5)]


async def test_long_poll_returns_a_message_sent_while_waiting(
    queue: RedisDispatchQueue,
) -> None:
    waiting = asyncio.create_task(queue.receive(wait_seconds=30))
    await asyncio.sleep(0)
    await queue.send(DispatchMessage(call_id="late"))

    assert [m.call_id for m in await waiting] == ["late"]


async def test_concurrent_consumers_never_share_a_message(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    producer = RedisDispatchQueue(redis_client, redis_prefix)
    ids = [f"c-{i}" for i in range(200)]
    for call_id in ids:
        await producer.send(DispatchMessage(call_id=call_id))
    consumers = [RedisDispatchQueue(redis_client, redis_prefix) for _ in range(8)]

    async def drain(q: RedisDispatchQueue) -> list[str]:
        got: list[str] = []
        while batch := await q.receive(wait_seconds=0):
            got.extend(m.call_id for m in batch)
        return got

    results = await asyncio.gather(*(drain(q) for q in consumers))
    received = [call_id for batch in results for call_id in batch]

    assert sorted(received) == sorted(ids)


async def test_malformed_member_is_dropped_not_fatal(
    queue: RedisDispatchQueue, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    await redis_client.zadd(f"{redis_prefix}queue:dispatch", {b"not json": 0})
    await queue.send(DispatchMessage(call_id="ok"))

    assert [m.call_id for m in await queue.receive(wait_seconds=0)] == ["ok"]


@pytest.mark.parametrize("delay", [-1, MAX_DELAY_SECONDS + 1])
async def test_delay_outside_sqs_bounds_is_refused(queue: RedisDispatchQueue, delay: int) -> None:
    with pytest.raises(ValueError, match="delay_seconds"):
        await queue.send(DispatchMessage(call_id="x"), delay_seconds=delay)


@pytest.mark.parametrize("count", [0, 11])
async def test_batch_size_outside_sqs_bounds_is_refused(
    queue: RedisDispatchQueue, count: int
) -> None:
    with pytest.raises(ValueError, match="max_messages"):
        await queue.receive(max_messages=count, wait_seconds=0)
