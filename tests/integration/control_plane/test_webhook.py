"""The RingCentral webhook through API Gateway: handshake, sender check, event mapping."""

from __future__ import annotations

import json
import uuid

import asyncpg
import redis.asyncio as aioredis

from shared.aws.runtime import RUNTIME
from shared.calls.webhook import receive_webhook
from tests.integration.control_plane.lambdas import Lambdas
from tests.integration.control_plane.support import (
    WEBHOOK_TOKEN,
    FakeClock,
    FakeDialer,
    api_event,
    notification,
)
from tests.integration.control_plane.test_dispatcher import trigger


async def test_the_subscription_handshake_echoes_the_validation_token(lambdas: Lambdas) -> None:
    answer = await lambdas.webhook(None, {"validation-token": "b6f1c2a9e3d44f7a"})

    assert answer["statusCode"] == 200
    assert answer["headers"]["Validation-Token"] == "b6f1c2a9e3d44f7a"
    assert answer["body"] == ""


async def test_a_wrong_or_missing_verification_token_is_refused(
    lambdas: Lambdas, dialer: FakeDialer, cp_pool: asyncpg.Pool
) -> None:
    call_id = await trigger(lambdas)
    await lambdas.dispatch_queued()
    busy = notification(dialer.dials[0].telephony_session_id, "Disconnected", "TargetBusy")

    wrong = await lambdas.webhook(busy, {"verification-token": "not-" + WEBHOOK_TOKEN})
    missing = await lambdas.webhook(busy, {})

    assert (wrong["statusCode"], missing["statusCode"]) == (401, 401)
    assert json.loads(wrong["body"])["error"] == "unauthorized"
    status = await cp_pool.fetchval("SELECT status FROM calls WHERE id = $1", uuid.UUID(call_id))
    assert status == "dialing"  # nothing was read


async def test_a_body_that_is_no_notification_is_a_bad_request(lambdas: Lambdas) -> None:
    event = notification("s-1", "Answered")
    del event["body"]["parties"]

    answer = await lambdas.webhook(event)

    assert answer["statusCode"] == 400
    assert "parties" in json.loads(answer["body"])["reason"]


async def test_repeated_and_late_events_change_nothing(
    lambdas: Lambdas, dialer: FakeDialer, cp_pool: asyncpg.Pool
) -> None:
    call_id = await trigger(lambdas)
    await lambdas.dispatch_queued()
    session = dialer.dials[0].telephony_session_id
    answered = notification(session, "Answered", sequence=3)

    first = await lambdas.webhook(answered)
    repeated = await lambdas.webhook(answered)
    late_busy = await lambdas.webhook(notification(session, "Disconnected", "TargetBusy"))
    hung_up = await lambdas.webhook(
        notification(session, "Disconnected", "CallFinished", sequence=9)
    )

    effects = [json.loads(a["body"])["effects"] for a in (first, repeated, late_busy, hung_up)]
    assert effects == [["in_progress"], ["repeated"], ["repeated"], ["repeated"]]
    row = await cp_pool.fetchrow(
        "SELECT status, started_at FROM calls WHERE id = $1", uuid.UUID(call_id)
    )
    assert row["status"] == "in_progress"
    assert row["started_at"] is not None


async def test_a_number_the_network_refuses_fails_the_call_with_the_reason(
    lambdas: Lambdas, dialer: FakeDialer
) -> None:
    call_id = await trigger(lambdas)
    await lambdas.dispatch_queued()

    await lambdas.webhook(
        notification(dialer.dials[0].telephony_session_id, "Disconnected", "InvalidNumber")
    )

    _, call = await lambdas.api(api_event("GET", f"/api/calls/{call_id}"))
    assert (call["status"], call["outcome"]) == ("failed", None)
    assert call["outcome_reason"] == "no se pudo marcar el número (InvalidNumber)"


async def test_a_verdict_before_the_session_is_recorded_is_replayed_by_the_dispatcher(
    lambdas: Lambdas, dialer: FakeDialer, clock: FakeClock, cp_pool: asyncpg.Pool
) -> None:
    async def busy_at_once(session: str) -> None:
        # The webhook Lambda gets "busy" while the dispatcher still waits for call-out.
        body = json.dumps(notification(session, "Disconnected", "TargetBusy")).encode()
        reply = await receive_webhook(
            {"Verification-Token": WEBHOOK_TOKEN},
            body,
            WEBHOOK_TOKEN,
            RUNTIME.plane().events,
            clock(),
        )
        assert json.loads(reply.body)["effects"] == ["parked"]

    dialer.on_dial = busy_at_once
    call_id = await trigger(lambdas)

    await lambdas.dispatch_queued()

    row = await cp_pool.fetchrow(
        "SELECT c.status, a.result FROM calls c JOIN attempts a ON a.call_id = c.id"
        " WHERE c.id = $1",
        uuid.UUID(call_id),
    )
    assert dict(row) == {"status": "retry_scheduled", "result": "busy"}


async def test_events_of_sessions_that_are_not_ours_are_answered_and_forgotten(
    lambdas: Lambdas, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    answer = await lambdas.webhook(notification("s-someone-else", "Disconnected", "NoAnswer"))

    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"effects": ["parked"]}
    ttl = await redis_client.ttl(f"{redis_prefix}parked-events:s-someone-else")
    assert 0 < ttl <= 600
