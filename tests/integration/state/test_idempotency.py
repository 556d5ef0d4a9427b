"""Idempotency records: one owner per key, replays, and reused keys detected."""

from __future__ import annotations

import asyncio

import pytest

from shared.state.idempotency import ClaimState, IdempotencyStore, fingerprint_of


@pytest.fixture
def store(redis_client, redis_prefix) -> IdempotencyStore:
    return IdempotencyStore(redis_client, redis_prefix, ttl_seconds=600)


async def test_first_claim_owns_the_key_and_later_ones_see_progress(store):
    fp = fingerprint_of({"trip": "T-1"})
    assert (await store.claim("trigger", "k1", fp)).state is ClaimState.NEW
    assert (await store.claim("trigger", "k1", fp)).state is ClaimState.IN_PROGRESS


async def test_completed_claim_replays_the_stored_value(store):
    fp = fingerprint_of({"trip": "T-1"})
    await store.claim("trigger", "k2", fp)
    await store.complete("trigger", "k2", fp, {"call_id": "abc"})
    replay = await store.claim("trigger", "k2", fp)
    assert replay.state is ClaimState.COMPLETED and replay.value == {"call_id": "abc"}


async def test_same_key_with_another_request_is_a_mismatch(store):
    await store.claim("trigger", "k3", fingerprint_of({"trip": "T-1"}))
    other = await store.claim("trigger", "k3", fingerprint_of({"trip": "T-2"}))
    assert other.state is ClaimState.MISMATCH


async def test_release_lets_a_retry_claim_again(store):
    fp = fingerprint_of({"trip": "T-1"})
    await store.claim("trigger", "k4", fp)
    await store.release("trigger", "k4")
    assert (await store.claim("trigger", "k4", fp)).state is ClaimState.NEW


async def test_scopes_are_separate(store):
    fp = fingerprint_of({})
    assert (await store.claim("a", "k5", fp)).state is ClaimState.NEW
    assert (await store.claim("b", "k5", fp)).state is ClaimState.NEW


async def test_concurrent_claims_have_exactly_one_owner(store):
    fp = fingerprint_of({"trip": "T-9"})
    claims = await asyncio.gather(*(store.claim("trigger", "k6", fp) for _ in range(30)))
    assert sum(c.state is ClaimState.NEW for c in claims) == 1
