"""The Redis token bucket: bursts, refill, atomicity across concurrent callers."""

from __future__ import annotations

import asyncio

import pytest

from shared.state.rate_limiter import TokenBucket


@pytest.fixture
def bucket(redis_client, redis_prefix) -> TokenBucket:
    return TokenBucket(redis_client, redis_prefix)


async def test_burst_is_allowed_then_refused_with_a_wait(bucket):
    decisions = [await bucket.take("client-a", rate_per_second=0.01, burst=3) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].retry_after_seconds > 0
    assert decisions[0].remaining == pytest.approx(2, abs=0.01)


async def test_a_costly_take_needs_that_many_tokens(bucket):
    assert (await bucket.take("client-d", rate_per_second=0.01, burst=5, cost=3)).allowed
    refused = await bucket.take("client-d", rate_per_second=0.01, burst=5, cost=3)
    assert not refused.allowed
    assert (await bucket.take("client-d", rate_per_second=0.01, burst=5, cost=2)).allowed


async def test_tokens_come_back_after_the_advertised_wait(bucket):
    for _ in range(2):
        await bucket.take("client-b", rate_per_second=50, burst=2)
    refused = await bucket.take("client-b", rate_per_second=50, burst=2)
    assert not refused.allowed
    for _ in range(100):
        await asyncio.sleep(refused.retry_after_seconds)
        if (await bucket.take("client-b", rate_per_second=50, burst=2)).allowed:
            return
    pytest.fail("the bucket never refilled")


async def test_concurrent_takes_never_exceed_the_burst(bucket):
    decisions = await asyncio.gather(
        *(bucket.take("client-c", rate_per_second=0.001, burst=10) for _ in range(50))
    )
    assert sum(d.allowed for d in decisions) == 10


async def test_buckets_are_per_key(bucket):
    assert (await bucket.take("x", rate_per_second=0.001, burst=1)).allowed
    assert not (await bucket.take("x", rate_per_second=0.001, burst=1)).allowed
    assert (await bucket.take("y", rate_per_second=0.001, burst=1)).allowed


async def test_idle_buckets_expire(bucket, redis_client, redis_prefix):
    await bucket.take("client-e", rate_per_second=1, burst=5)
    assert 0 < await redis_client.pttl(f"{redis_prefix}bucket:client-e") <= 10_000


@pytest.mark.parametrize(
    ("rate", "burst", "cost"),
    [
        (0, 1, 1),
        (-1, 1, 1),
        (float("nan"), 1, 1),
        (float("inf"), 1, 1),
        (1, 0, 1),
        (1, 2, 3),
        (1, 2, 0),
    ],
)
async def test_invalid_arguments_are_refused(bucket, rate, burst, cost):
    with pytest.raises(ValueError, match="must be"):
        await bucket.take("z", rate_per_second=rate, burst=burst, cost=cost)
