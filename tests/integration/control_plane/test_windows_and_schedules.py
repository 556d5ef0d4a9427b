"""The calling window and the scheduler's other duties: releases, stalls, missing media."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from shared.aws.runtime import RUNTIME
from shared.domain.fsm import CallState
from tests.integration.control_plane.lambdas import Lambdas
from tests.integration.control_plane.support import FakeClock, FakeDialer, api_event, notification
from tests.integration.control_plane.test_dispatcher import trigger


async def call_row(pool: asyncpg.Pool, call_id: str) -> dict[str, Any]:
    row = await pool.fetchrow(
        "SELECT status, attempts, next_attempt_at, outcome_reason FROM calls WHERE id = $1",
        uuid.UUID(call_id),
    )
    return dict(row)


async def test_outside_the_window_nothing_is_dialled_until_it_opens(
    lambdas: Lambdas, dialer: FakeDialer, clock: FakeClock, cp_pool: asyncpg.Pool
) -> None:
    clock.now = clock.now.replace(hour=6, minute=0)
    call_id = await trigger(lambdas)

    await lambdas.dispatch_queued()

    row = await call_row(cp_pool, call_id)
    assert (row["status"], dialer.dials) == ("waiting_window", [])
    assert row["next_attempt_at"] == clock.now.replace(hour=8)
    clock.now = clock.now.replace(hour=7, minute=59)
    await lambdas.scheduler("open_window")
    assert await lambdas.dispatch_queued() == 0

    clock.now = clock.now.replace(hour=8, minute=0)
    answer = await lambdas.scheduler("open_window")
    await lambdas.dispatch_queued()

    assert answer == {"action": "open_window", "done": {"released": 1}}
    assert [d.call_id for d in dialer.dials] == [call_id]
    assert (await call_row(cp_pool, call_id))["status"] == "dialing"


async def test_the_window_close_parks_what_is_still_queued(
    lambdas: Lambdas, dialer: FakeDialer, clock: FakeClock, cp_pool: asyncpg.Pool
) -> None:
    call_id = await trigger(lambdas)
    clock.now = clock.now.replace(hour=20, minute=0)

    answer = await lambdas.scheduler("close_window")

    assert answer["done"] == {"waiting_window": 1}
    row = await call_row(cp_pool, call_id)
    assert row["status"] == "waiting_window"
    assert row["next_attempt_at"] == clock.now.replace(day=11, hour=8)
    await lambdas.dispatch_queued()  # the queued message still arrives: nothing dialled
    assert dialer.dials == []


async def test_a_dial_without_a_verdict_is_hung_up_and_counted_as_a_failed_try(
    lambdas: Lambdas, dialer: FakeDialer, clock: FakeClock, cp_pool: asyncpg.Pool
) -> None:
    call_id = await trigger(lambdas)
    await lambdas.dispatch_queued()
    clock.advance(seconds=179)
    await lambdas.scheduler("sweep")
    assert dialer.hang_ups == []

    clock.advance(seconds=1)
    answer = await lambdas.scheduler("sweep")

    assert answer["done"] == {"dial_timed_out": 1}
    assert dialer.hang_ups == [dialer.dials[0].telephony_session_id]
    assert (await call_row(cp_pool, call_id))["status"] == "retry_scheduled"
    result = await cp_pool.fetchval(
        "SELECT result FROM attempts WHERE call_id = $1", uuid.UUID(call_id)
    )
    assert result == "failed"


async def test_an_answer_whose_media_never_attached_is_hung_up_and_redialled(
    lambdas: Lambdas, dialer: FakeDialer, clock: FakeClock, cp_pool: asyncpg.Pool
) -> None:
    call_id = await trigger(lambdas)
    await lambdas.dispatch_queued()
    session = dialer.dials[0].telephony_session_id
    await lambdas.webhook(notification(session, "Answered"))
    assert (await call_row(cp_pool, call_id))["status"] == "in_progress"

    clock.advance(minutes=2)
    answer = await lambdas.scheduler("sweep")

    assert answer["done"] == {"media_missing": 1}
    assert dialer.hang_ups == [session]
    row = await call_row(cp_pool, call_id)
    assert row["status"] == "retry_scheduled"
    assert row["next_attempt_at"] == clock.now + dt.timedelta(minutes=30)


async def test_a_call_the_media_plane_took_is_left_to_it(
    lambdas: Lambdas, dialer: FakeDialer, clock: FakeClock, cp_pool: asyncpg.Pool
) -> None:
    call_id = await trigger(lambdas)
    await lambdas.dispatch_queued()
    await lambdas.webhook(notification(dialer.dials[0].telephony_session_id, "Answered"))

    async def media_attached() -> None:  # what the media server's conversation does
        sessions = RUNTIME.plane().sessions
        await sessions.update(call_id, lambda s: s.model_copy(update={"state": CallState.GREETING}))

    await lambdas._run(RUNTIME.run, media_attached())
    clock.advance(minutes=2)
    first = await lambdas.scheduler("sweep")
    clock.advance(minutes=30)
    later = await lambdas.scheduler("sweep")

    assert (first["done"], later["done"]) == ({"media_attached": 1}, {})
    assert dialer.hang_ups == []
    assert (await call_row(cp_pool, call_id))["status"] == "in_progress"


async def test_a_call_left_queued_is_sent_again(
    lambdas: Lambdas, dialer: FakeDialer, clock: FakeClock
) -> None:
    call_id = await trigger(lambdas)
    lambdas.queues.client.purge_queue(QueueUrl=lambdas.queues.url)  # the send was lost
    clock.now = dt.datetime.now(dt.UTC).replace(hour=16) + dt.timedelta(days=1)

    answer = await lambdas.scheduler("sweep")
    await lambdas.dispatch_queued()
    again = await lambdas.scheduler("sweep")

    assert (answer["done"], again["done"]) == ({"requeued": 1}, {})
    assert [d.call_id for d in dialer.dials] == [call_id]


async def test_the_call_api_shows_a_waiting_call(lambdas: Lambdas, clock: FakeClock) -> None:
    clock.now = clock.now.replace(hour=21)
    call_id = await trigger(lambdas)
    await lambdas.dispatch_queued()

    _, call = await lambdas.api(api_event("GET", f"/api/calls/{call_id}"))

    assert (call["status"], call["next_attempt_at"]) == ("waiting_window", "2025-03-11T14:00:00Z")
