"""Call sessions in real Redis: round trips, versions, and no lost update under contention."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from shared.domain.call import Direction, Outcome
from shared.domain.fsm import CallState
from shared.domain.session import CallSession, Message, Role, Usage
from shared.domain.trip import Driver, Trip
from shared.state.sessions import CallSessionStore, SessionExists, SessionNotFound, StaleSession

NOW = dt.datetime(2026, 11, 24, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=-6)))


def new_session() -> CallSession:
    return CallSession(
        call_id=str(uuid.uuid4()),
        direction=Direction.OUTBOUND,
        driver=Driver(driver_id="D-1", name="Juan Pérez", phone="+528112345678"),
        trip_id="T-1",
        trip_on_file=Trip(
            trip_id="T-1",
            driver_id="D-1",
            origin="Monterrey, N.L.",
            destination="Guadalajara, Jal.",
            date=dt.date(2026, 11, 23),
        ),
        call_time=NOW,
    )


@pytest.fixture
def store(redis_client, redis_prefix) -> CallSessionStore:
    return CallSessionStore(redis_client, redis_prefix, ttl_seconds=3600)


async def test_round_trip_keeps_messages_usage_and_enums(store):
    session = await store.create(new_session())
    changed = session.model_copy(
        update={
            "state": CallState.VALIDATING,
            "messages": [Message(role=Role.DRIVER, text="¿Bueno?", started_at=NOW)],
            "usage": Usage(llm_input_tokens=120, tts_characters=80),
            "outcome": Outcome.CONFIRMED,
        }
    )
    saved = await store.save(changed)
    loaded = await store.get(session.call_id)
    assert loaded == saved
    assert loaded.version == 1
    assert loaded.state is CallState.VALIDATING and loaded.outcome is Outcome.CONFIRMED
    assert loaded.trip_on_file == session.trip_on_file


async def test_second_create_is_refused(store):
    session = await store.create(new_session())
    with pytest.raises(SessionExists):
        await store.create(session)


async def test_saving_from_an_old_version_is_refused(store):
    session = await store.create(new_session())
    await store.save(session.model_copy(update={"state": CallState.GREETING}))
    with pytest.raises(StaleSession) as refused:
        await store.save(session.model_copy(update={"state": CallState.ENDED}))
    assert (refused.value.stored, refused.value.expected) == (1, 0)
    assert (await store.get(session.call_id)).state is CallState.GREETING


async def test_saving_an_unknown_session_is_refused(store):
    with pytest.raises(SessionNotFound):
        await store.save(new_session())


async def test_concurrent_updates_lose_nothing(store):
    session = await store.create(new_session())

    def append(n: int):
        def mutate(current: CallSession) -> CallSession:
            note = Message(role=Role.DRIVER, text=f"línea {n}")
            return current.model_copy(update={"messages": [*current.messages, note]})

        return mutate

    await asyncio.gather(
        *(store.update(session.call_id, append(n), attempts=50) for n in range(20))
    )
    final = await store.get(session.call_id)
    assert sorted(m.text for m in final.messages) == sorted(f"línea {n}" for n in range(20))
    assert final.version == 20


async def test_update_gives_up_after_its_attempts(store, monkeypatch):
    session = await store.create(new_session())
    read = store.get
    reads = 0

    async def read_then_twin_saves(call_id: str) -> CallSession | None:
        nonlocal reads
        reads += 1
        current = await read(call_id)
        await store.save(current)  # a twin writer wins every race
        return current

    monkeypatch.setattr(store, "get", read_then_twin_saves)
    with pytest.raises(StaleSession):
        await store.update(session.call_id, lambda s: s, attempts=3)
    assert reads == 3


async def test_update_needs_a_session_and_an_attempt(store):
    with pytest.raises(SessionNotFound):
        await store.update("no-such-call", lambda s: s)
    session = await store.create(new_session())
    with pytest.raises(ValueError, match="attempts"):
        await store.update(session.call_id, lambda s: s, attempts=0)


async def test_unknown_and_deleted_sessions_read_as_none(store):
    assert await store.get("no-such-call") is None
    session = await store.create(new_session())
    await store.delete(session.call_id)
    assert await store.get(session.call_id) is None


async def test_sessions_expire_and_saves_refresh_the_ttl(store, redis_client, redis_prefix):
    session = await store.create(new_session())
    key = f"{redis_prefix}call:{session.call_id}"
    assert 0 < await redis_client.ttl(key) <= 3600
    await redis_client.expire(key, 10)
    await store.save(session)
    assert 10 < await redis_client.ttl(key) <= 3600


async def test_media_token_finds_its_call(store, redis_client, redis_prefix):
    await store.bind_media_token("tok-1", "call-1")
    assert await store.call_for_media_token("tok-1") == "call-1"
    assert await store.call_for_media_token("tok-2") is None
    assert 0 < await redis_client.ttl(f"{redis_prefix}media:tok-1") <= 3600
