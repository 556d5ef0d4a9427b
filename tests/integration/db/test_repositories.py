"""The audit repositories against a real Postgres: each test writes its own rows."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from shared.db.repositories import (
    AttemptResult,
    AuditStore,
    CallNotFound,
    CallRecord,
    DuplicateIdempotencyKey,
    InvalidCursor,
)
from shared.domain.call import CallStatus, Direction, Outcome, Speaker
from shared.domain.session import Usage

T0 = dt.datetime(2025, 3, 14, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def audit(pg_pool: asyncpg.Pool) -> AuditStore:
    return AuditStore.from_pool(pg_pool)


def fresh_driver() -> str:
    return f"D-{uuid.uuid4().hex[:10]}"


async def new_call(audit: AuditStore, **overrides: Any) -> CallRecord:
    fields: dict[str, Any] = {
        "call_id": uuid.uuid4(),
        "driver_id": fresh_driver(),
        "trip_id": "T-1001",
        "phone": "+528112345678",
        "direction": Direction.OUTBOUND,
        "status": CallStatus.QUEUED,
    }
    return await audit.calls.create(**(fields | overrides))


async def backdate(pool: asyncpg.Pool, call: CallRecord, created_at: dt.datetime) -> None:
    """Test setup only: give a call a known creation time (the column defaults to now)."""
    await pool.execute("UPDATE calls SET created_at = $2 WHERE id = $1", call.id, created_at)


# --- calls --------------------------------------------------------------------------


async def test_created_call_reads_back(audit: AuditStore) -> None:
    campaign = await audit.campaigns.create(
        uuid.uuid4(), "Marzo norte", dt.time(9), dt.time(18), "America/Monterrey"
    )
    created = await new_call(
        audit,
        idempotency_key=f"key-{uuid.uuid4()}",
        request_fingerprint="fp-1",
        campaign_id=campaign.id,
        call_time=T0,
    )

    assert await audit.calls.get(created.id) == created
    assert await audit.calls.get(str(created.id)) == created
    assert created.status is CallStatus.QUEUED
    assert created.direction is Direction.OUTBOUND
    assert created.campaign_id == campaign.id
    assert created.call_time == T0
    assert (created.attempts, created.usage, created.cost_usd) == (0, Usage(), None)
    assert created.outcome is None
    assert created.ended_at is None


@pytest.mark.parametrize("call_id", [uuid.uuid4(), str(uuid.uuid4()), "not-a-uuid"])
async def test_unknown_call_is_none(audit: AuditStore, call_id: uuid.UUID | str) -> None:
    assert await audit.calls.get(call_id) is None


async def test_reused_idempotency_key_raises_with_the_existing_call(audit: AuditStore) -> None:
    key = f"key-{uuid.uuid4()}"
    first = await new_call(audit, idempotency_key=key, request_fingerprint="fp-1")

    with pytest.raises(DuplicateIdempotencyKey) as caught:
        await new_call(audit, idempotency_key=key, request_fingerprint="fp-2")

    assert caught.value.existing == first
    assert await audit.calls.get_by_idempotency_key(key) == first


async def test_concurrent_creates_with_one_key_make_one_call(audit: AuditStore) -> None:
    key = f"key-{uuid.uuid4()}"
    results = await asyncio.gather(
        new_call(audit, idempotency_key=key),
        new_call(audit, idempotency_key=key),
        return_exceptions=True,
    )

    created = [r for r in results if isinstance(r, CallRecord)]
    refused = [r for r in results if isinstance(r, DuplicateIdempotencyKey)]
    assert len(created) == len(refused) == 1
    assert refused[0].existing == created[0]


async def test_calls_without_key_do_not_collide(audit: AuditStore) -> None:
    first = await new_call(audit)
    second = await new_call(audit)

    assert first.idempotency_key is None
    assert second.idempotency_key is None


@pytest.mark.parametrize("count", [6, 7])
async def test_pages_have_no_gaps_or_repeats(
    audit: AuditStore, pg_pool: asyncpg.Pool, count: int
) -> None:
    driver = fresh_driver()
    created: list[tuple[dt.datetime, CallRecord]] = []
    for i in range(count):  # the first three share a timestamp: the id breaks the tie
        call = await new_call(audit, driver_id=driver)
        created_at = T0 + dt.timedelta(minutes=max(i, 2))
        await backdate(pg_pool, call, created_at)
        created.append((created_at, call))
    expected = [call.id for _, call in sorted(created, key=lambda p: (p[0], p[1].id), reverse=True)]

    seen: list[uuid.UUID] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await audit.calls.list(driver_id=driver, limit=3, cursor=cursor)
        seen += [call.id for call in page.items]
        pages += 1
        if pages == 1:  # a newer call arriving meanwhile shifts nothing on later pages
            await new_call(audit, driver_id=driver)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert seen == expected
    assert pages == -(-count // 3)  # a full last page hands out no cursor


async def test_list_filters_by_status_and_creation_time(
    audit: AuditStore, pg_pool: asyncpg.Pool
) -> None:
    driver = fresh_driver()
    calls = [await new_call(audit, driver_id=driver) for _ in range(4)]
    for i, call in enumerate(calls):
        await backdate(pg_pool, call, T0 + dt.timedelta(hours=i))
    await audit.calls.set_status(calls[1].id, CallStatus.DIALING)
    await audit.calls.set_status(calls[3].id, CallStatus.DIALING)

    async def ids(**filters: Any) -> list[uuid.UUID]:
        page = await audit.calls.list(driver_id=driver, **filters)
        return [call.id for call in page.items]

    assert await ids() == [c.id for c in reversed(calls)]
    assert await ids(status=CallStatus.DIALING) == [calls[3].id, calls[1].id]
    assert await ids(status=CallStatus.QUEUED) == [calls[2].id, calls[0].id]
    window = {"created_from": T0 + dt.timedelta(hours=1), "created_to": T0 + dt.timedelta(hours=3)}
    assert await ids(**window) == [calls[2].id, calls[1].id]  # from inclusive, to exclusive
    assert await ids(status=CallStatus.DIALING, **window) == [calls[1].id]


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor!",
        _b64({"created_at": "2025-03-14"}),
        _b64(["2025-03-14T15:00:00+00:00"]),
        _b64(["yesterday", str(uuid.uuid4())]),
        _b64(["2025-03-14T15:00:00", str(uuid.uuid4())]),  # no time zone
        _b64(["2025-03-14T15:00:00+00:00", "not-a-uuid"]),
    ],
)
async def test_invalid_cursor_is_refused(audit: AuditStore, cursor: str) -> None:
    with pytest.raises(InvalidCursor, match="invalid cursor"):
        await audit.calls.list(cursor=cursor)


async def test_limit_must_be_positive(audit: AuditStore) -> None:
    with pytest.raises(ValueError, match="limit"):
        await audit.calls.list(limit=0)


async def test_finish_stores_outcome_usage_and_cost(audit: AuditStore) -> None:
    call = await new_call(audit, status=CallStatus.IN_PROGRESS)
    usage = Usage(
        stt_audio_seconds=41.5,
        llm_input_tokens=5200,
        llm_output_tokens=310,
        llm_cache_read_tokens=4096,
        llm_cache_write_tokens=1024,
        tts_characters=880,
    )
    ended = T0 + dt.timedelta(minutes=2)

    await audit.calls.finish(
        call.id, CallStatus.COMPLETED, Outcome.UPDATED, None, usage, Decimal("0.04321"), ended
    )

    stored = await audit.calls.get(call.id)
    assert stored is not None
    assert (stored.status, stored.outcome, stored.outcome_reason) == (
        CallStatus.COMPLETED,
        Outcome.UPDATED,
        None,
    )
    assert stored.usage == usage
    assert stored.cost_usd == Decimal("0.04321")
    assert stored.ended_at == ended
    assert stored.next_attempt_at is None


async def test_finish_without_usage_keeps_zeros_and_stamps_the_end(audit: AuditStore) -> None:
    call = await new_call(audit, status=CallStatus.DIALING)

    await audit.calls.finish(
        call.id, CallStatus.UNREACHABLE, Outcome.UNREACHABLE, "no contestó", None, None, None
    )

    stored = await audit.calls.get(call.id)
    assert stored is not None
    assert (stored.status, stored.outcome_reason) == (CallStatus.UNREACHABLE, "no contestó")
    assert (stored.usage, stored.cost_usd) == (Usage(), None)
    assert stored.ended_at is not None


async def test_set_status_keeps_the_first_start_and_replaces_the_retry_time(
    audit: AuditStore,
) -> None:
    call = await new_call(audit)
    retry_at = T0 + dt.timedelta(minutes=30)

    await audit.calls.set_status(call.id, CallStatus.IN_PROGRESS, started_at=T0)
    await audit.calls.set_status(
        call.id,
        CallStatus.RETRY_SCHEDULED,
        started_at=T0 + dt.timedelta(hours=1),
        next_attempt_at=retry_at,
    )
    scheduled = await audit.calls.get(call.id)
    await audit.calls.set_status(call.id, CallStatus.DIALING)
    dialing = await audit.calls.get(call.id)

    assert scheduled is not None
    assert dialing is not None
    assert (scheduled.status, scheduled.started_at, scheduled.next_attempt_at) == (
        CallStatus.RETRY_SCHEDULED,
        T0,
        retry_at,
    )
    assert (dialing.status, dialing.next_attempt_at) == (CallStatus.DIALING, None)


async def test_increment_attempts_and_set_trip(audit: AuditStore) -> None:
    call = await new_call(audit, trip_id=None)

    assert await audit.calls.increment_attempts(call.id) == 1
    assert await audit.calls.increment_attempts(str(call.id)) == 2
    await audit.calls.set_trip(call.id, "T-2002")

    stored = await audit.calls.get(call.id)
    assert stored is not None
    assert (stored.attempts, stored.trip_id) == (2, "T-2002")


async def test_writes_to_an_unknown_call_raise(audit: AuditStore) -> None:
    missing = uuid.uuid4()
    with pytest.raises(CallNotFound):
        await audit.calls.set_status(missing, CallStatus.DIALING)
    with pytest.raises(CallNotFound):
        await audit.calls.increment_attempts(missing)
    with pytest.raises(CallNotFound):
        await audit.calls.set_trip(missing, "T-1")


@pytest.mark.parametrize("status", list(CallStatus))
async def test_schema_accepts_every_domain_status(audit: AuditStore, status: CallStatus) -> None:
    assert (await new_call(audit, status=status)).status is status


@pytest.mark.parametrize("outcome", list(Outcome))
async def test_schema_accepts_every_domain_outcome(audit: AuditStore, outcome: Outcome) -> None:
    call = await new_call(audit)

    await audit.calls.finish(call.id, CallStatus.COMPLETED, outcome, None, None, None, T0)

    stored = await audit.calls.get(call.id)
    assert stored is not None
    assert stored.outcome is outcome


async def test_schema_rejects_an_unknown_status(audit: AuditStore) -> None:
    with pytest.raises(asyncpg.CheckViolationError, match="calls_status_check"):
        await new_call(audit, status="lost")


async def test_schema_rejects_an_outcome_on_an_unfinished_call(audit: AuditStore) -> None:
    call = await new_call(audit)

    with pytest.raises(asyncpg.CheckViolationError, match="calls_outcome_final_check"):
        await audit.calls.finish(
            call.id, CallStatus.DIALING, Outcome.CONFIRMED, None, None, None, T0
        )


async def test_schema_rejects_a_phone_not_in_e164(audit: AuditStore) -> None:
    with pytest.raises(asyncpg.CheckViolationError, match="calls_phone_check"):
        await new_call(audit, phone="81 1234 5678")


# --- turns, tool calls, attempts ----------------------------------------------------


async def test_turn_written_twice_is_stored_once(audit: AuditStore) -> None:
    call = await new_call(audit)
    latency = {"stt_ms": 180.0, "llm_first_token_ms": 420.5}
    second = (call.id, 1, Speaker.KARLA, "¿Ya entregó en Saltillo?", T0, T0, True, latency)
    first = (call.id, 0, Speaker.DRIVER, "Bueno", T0, T0)

    assert await audit.turns.add(*second) is True
    assert await audit.turns.add(*first) is True
    assert await audit.turns.add(*second) is False  # a restarted process re-writes the turn

    turns = await audit.turns.list(str(call.id))
    assert [(t.seq, t.speaker, t.text) for t in turns] == [
        (0, Speaker.DRIVER, "Bueno"),
        (1, Speaker.KARLA, "¿Ya entregó en Saltillo?"),
    ]
    assert (turns[0].interrupted, turns[0].latency) == (False, None)
    assert (turns[1].interrupted, turns[1].latency) == (True, latency)


async def test_tool_call_written_twice_is_stored_once(audit: AuditStore) -> None:
    call = await new_call(audit)
    write = (
        str(call.id),
        "toolu_01",
        "actualizar_viaje",
        {"destino": "Saltillo", "fecha": "2025-03-14"},
        {"ok": True, "viaje": {"trip_id": "T-1001"}},
        "ready",
        None,
        312.5,
        "req-1",
    )

    assert await audit.tool_calls.add(*write) is True
    assert await audit.tool_calls.add(*write) is False
    assert await audit.tool_calls.add(
        call.id,
        "toolu_02",
        "borrar_todo",
        {},
        None,
        "refused",
        "herramienta desconocida",
        0.2,
        None,
    )

    stored = await audit.tool_calls.list(call.id)
    assert [(t.tool_call_id, t.readiness) for t in stored] == [
        ("toolu_01", "ready"),
        ("toolu_02", "refused"),
    ]
    assert stored[0].args == {"destino": "Saltillo", "fecha": "2025-03-14"}
    assert stored[0].result == {"ok": True, "viaje": {"trip_id": "T-1001"}}
    assert (stored[0].latency_ms, stored[0].client_request_id) == (312.5, "req-1")
    assert (stored[1].result, stored[1].error) == (None, "herramienta desconocida")


async def test_schema_rejects_an_unknown_readiness(audit: AuditStore) -> None:
    call = await new_call(audit)

    with pytest.raises(asyncpg.CheckViolationError, match="tool_calls_readiness_check"):
        await audit.tool_calls.add(
            call.id, "t", "validar_viaje", {}, None, "maybe", None, 1.0, None
        )


async def test_attempt_is_started_once_and_its_first_result_wins(audit: AuditStore) -> None:
    call = await new_call(audit)

    assert await audit.attempts.start(call.id, 1, "sess-1") is True
    assert await audit.attempts.start(call.id, 1, "sess-1") is False
    assert await audit.attempts.start(call.id, 2) is True
    assert await audit.attempts.finish(call.id, 1, AttemptResult.NO_ANSWER) is True
    assert await audit.attempts.finish(call.id, 1, "answered") is False  # a late event
    assert await audit.attempts.finish(call.id, 3, "busy") is False  # never started

    attempts = await audit.attempts.list(call.id)
    assert [(a.attempt_no, a.result, a.telephony_session_id) for a in attempts] == [
        (1, AttemptResult.NO_ANSWER, "sess-1"),
        (2, AttemptResult.DIALING, None),
    ]
    assert attempts[0].ended_at is not None
    assert attempts[1].ended_at is None


@pytest.mark.parametrize("result", ["dialing", "hung_up"])
async def test_attempt_cannot_finish_without_a_result(audit: AuditStore, result: str) -> None:
    call = await new_call(audit)
    await audit.attempts.start(call.id, 1)

    with pytest.raises(ValueError, match=result):
        await audit.attempts.finish(call.id, 1, result)


# --- campaigns ----------------------------------------------------------------------


async def test_campaign_reads_back(audit: AuditStore) -> None:
    created = await audit.campaigns.create(uuid.uuid4(), "Abril", dt.time(8, 30), dt.time(19))

    assert await audit.campaigns.get(created.id) == created
    assert created.timezone == "America/Mexico_City"
    assert (created.window_start, created.window_end) == (dt.time(8, 30), dt.time(19))
    assert await audit.campaigns.get(uuid.uuid4()) is None


async def test_campaign_with_an_unknown_time_zone_is_refused(audit: AuditStore) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        await audit.campaigns.create(uuid.uuid4(), "X", dt.time(9), dt.time(18), "Mars/Base")


async def test_campaign_window_must_end_after_it_starts(audit: AuditStore) -> None:
    with pytest.raises(asyncpg.CheckViolationError, match="campaigns_window_check"):
        await audit.campaigns.create(uuid.uuid4(), "X", dt.time(18), dt.time(9))


async def test_driver_directory_keeps_name_and_latest_phone(pg_pool):
    from shared.db.repositories import AuditStore

    drivers = AuditStore.from_pool(pg_pool).drivers
    driver_id = f"D-{uuid.uuid4().hex[:8]}"
    await drivers.upsert(driver_id, "+528112345678", "Juan Pérez")
    await drivers.upsert(driver_id, "+528112349999")  # a later trigger without a name
    driver = await drivers.get(driver_id)
    assert driver is not None
    assert (driver.name, driver.phone) == ("Juan Pérez", "+528112349999")
    found = await drivers.by_phone("+528112349999")
    assert found is not None and found.driver_id == driver_id
    assert await drivers.by_phone("+528100000000") is None
