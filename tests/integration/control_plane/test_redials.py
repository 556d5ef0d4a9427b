"""No answer: redial 30 minutes later on the controllable clock, unreachable after three.

Every step goes through the functions with their real events: the trigger through the
API, dials through the dispatcher on SQS, verdicts through the webhook, redials through
the scheduler's sweep; the client reads the result through `GET /api/calls/{id}`.
"""

from __future__ import annotations

import uuid

import asyncpg

from tests.integration.control_plane.lambdas import Lambdas
from tests.integration.control_plane.support import FakeClock, FakeDialer, api_event, notification
from tests.integration.control_plane.test_dispatcher import trigger


async def no_answer(lambdas: Lambdas, dialer: FakeDialer, reason: str = "NoAnswer") -> None:
    session = dialer.dials[-1].telephony_session_id
    await lambdas.webhook(notification(session, "Proceeding", sequence=2))
    answer = await lambdas.webhook(notification(session, "Disconnected", reason, sequence=3))
    assert answer["statusCode"] == 200


async def test_three_unanswered_dials_thirty_minutes_apart_make_it_unreachable(
    lambdas: Lambdas, dialer: FakeDialer, clock: FakeClock
) -> None:
    call_id = await trigger(lambdas)
    await lambdas.dispatch_queued()

    for attempt in (1, 2):
        await no_answer(lambdas, dialer)
        _, call = await lambdas.api(api_event("GET", f"/api/calls/{call_id}"))
        assert call["status"] == "retry_scheduled"
        clock.advance(minutes=29)
        await lambdas.scheduler("sweep")
        assert await lambdas.dispatch_queued() == 0, "redialled before 30 minutes"
        clock.advance(minutes=1)
        await lambdas.scheduler("sweep")
        await lambdas.dispatch_queued()
        assert len(dialer.dials) == attempt + 1
    await no_answer(lambdas, dialer)

    status, call = await lambdas.api(api_event("GET", f"/api/calls/{call_id}"))
    assert status == 200
    assert (call["status"], call["outcome"], call["outcome_reason"], call["attempts"]) == (
        "unreachable",
        "unreachable",
        "no contestó 3 veces",
        3,
    )
    assert call["next_attempt_at"] is None
    assert len({d.telephony_session_id for d in dialer.dials}) == 3
    await lambdas.scheduler("sweep")
    assert await lambdas.dispatch_queued() == 0


async def test_the_client_sees_when_the_redial_is_due(
    lambdas: Lambdas, dialer: FakeDialer, clock: FakeClock
) -> None:
    call_id = await trigger(lambdas)
    await lambdas.dispatch_queued()

    await no_answer(lambdas, dialer, reason="TargetBusy")

    _, call = await lambdas.api(api_event("GET", f"/api/calls/{call_id}"))
    assert call["status"] == "retry_scheduled"
    assert call["next_attempt_at"] == "2025-03-10T16:30:00Z"  # 10:30 in Mexico City


async def test_a_redial_that_would_fall_after_closing_waits_for_the_morning(
    lambdas: Lambdas, dialer: FakeDialer, clock: FakeClock, cp_pool: asyncpg.Pool
) -> None:
    clock.now = clock.now.replace(hour=19, minute=45)
    call_id = await trigger(lambdas)
    await lambdas.dispatch_queued()

    await no_answer(lambdas, dialer)

    due = await cp_pool.fetchval(
        "SELECT next_attempt_at FROM calls WHERE id = $1", uuid.UUID(call_id)
    )
    assert due.astimezone(clock.now.tzinfo) == clock.now.replace(day=11, hour=8, minute=0)


async def test_mixed_verdicts_are_listed_in_the_reason(
    lambdas: Lambdas, dialer: FakeDialer, clock: FakeClock
) -> None:
    call_id = await trigger(lambdas)
    await lambdas.dispatch_queued()
    for reason in ("NoAnswer", "TargetBusy"):
        await no_answer(lambdas, dialer, reason)
        clock.advance(minutes=30)
        await lambdas.scheduler("sweep")
        await lambdas.dispatch_queued()
    session = dialer.dials[-1].telephony_session_id

    await lambdas.webhook(notification(session, "VoiceMail", direction="Inbound", sequence=4))
    await lambdas.webhook(notification(session, "Disconnected", "CallFinished", sequence=5))

    _, call = await lambdas.api(api_event("GET", f"/api/calls/{call_id}"))
    assert call["outcome_reason"] == (
        "sin respuesta en 3 intentos: no contestó, estaba ocupado, entró el buzón de voz"
    )
