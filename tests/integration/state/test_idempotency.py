"""Idempotency records: one owner per key, replays, and reused keys detected."""

from __future__ import annotations

import asyncio

import pytest

from shared.state.idempotency import Claim, ClaimState, IdempotencyStore, fingerprint_of


@pytest.fixture
def store(redis_client, redis_prefix) -> IdempotencyStore:
    return IdempotencyStore(redis_client, redis_prefix, ttl_seconds=600, lock_seconds=30)


async def test_first_claim_owns_the_key_and_later_ones_see_progress(store):
    fp = fingerprint_of({"trip": "T-1"})
    assert await store.claim("trigger", "k1", fp) == Claim.new()
    assert await store.claim("trigger", "k1", fp) == Claim.in_progress()


async def test_completed_claim_replays_the_stored_value(store):
    fp = fingerprint_of({"trip": "T-1"})
    await store.claim("trigger", "k2", fp)
    assert await store.complete("trigger", "k2", fp, {"call_id": "abc"})
    assert await store.claim("trigger", "k2", fp) == Claim.completed({"call_id": "abc"})


async def test_same_key_with_another_request_is_a_mismatch(store):
    await store.claim("trigger", "k3", fingerprint_of({"trip": "T-1"}))
    assert await store.claim("trigger", "k3", fingerprint_of({"trip": "T-2"})) == Claim.mismatch()


async def test_a_completed_key_reused_for_another_request_is_a_mismatch(store):
    fp = fingerprint_of({"trip": "T-1"})
    await store.claim("trigger", "k7", fp)
    await store.complete("trigger", "k7", fp, {"call_id": "abc"})
    assert await store.claim("trigger", "k7", fingerprint_of({"trip": "T-2"})) == Claim.mismatch()


async def test_release_lets_a_retry_claim_again(store):
    fp = fingerprint_of({"trip": "T-1"})
    await store.claim("trigger", "k4", fp)
    await store.release("trigger", "k4")
    assert await store.claim("trigger", "k4", fp) == Claim.new()


async def test_release_keeps_a_stored_result(store):
    fp = fingerprint_of({"trip": "T-1"})
    await store.claim("trigger", "k8", fp)
    await store.complete("trigger", "k8", fp, {"call_id": "abc"})
    await store.release("trigger", "k8")
    assert await store.claim("trigger", "k8", fp) == Claim.completed({"call_id": "abc"})


async def test_complete_never_overwrites_another_request(store):
    await store.claim("trigger", "k9", fingerprint_of({"trip": "T-2"}))
    stale_owner = fingerprint_of({"trip": "T-1"})
    assert not await store.complete("trigger", "k9", stale_owner, {"call_id": "abc"})
    assert await store.claim("trigger", "k9", stale_owner) == Claim.mismatch()


async def test_claims_hold_briefly_and_results_for_the_ttl(store, redis_client, redis_prefix):
    fp = fingerprint_of({"trip": "T-1"})
    await store.claim("trigger", "k10", fp)
    [record] = [key async for key in redis_client.scan_iter(match=f"{redis_prefix}idem:*")]
    assert 0 < await redis_client.ttl(record) <= 30
    await store.complete("trigger", "k10", fp, {})
    assert 30 < await redis_client.ttl(record) <= 600


async def test_scopes_are_separate(store):
    fp = fingerprint_of({})
    assert (await store.claim("a", "k5", fp)).state is ClaimState.NEW
    assert (await store.claim("b", "k5", fp)).state is ClaimState.NEW


async def test_concurrent_claims_have_exactly_one_owner(store):
    fp = fingerprint_of({"trip": "T-9"})
    claims = await asyncio.gather(*(store.claim("trigger", "k6", fp) for _ in range(30)))
    assert sorted(c.state for c in claims) == sorted(
        [ClaimState.NEW] + [ClaimState.IN_PROGRESS] * 29
    )
