"""The production dialer and the webhook against the telephony emulator, over real HTTP.

The dispatcher dials through `RingCentralDialer` (the real RingCentral client), the
emulator plays the driver's phone and posts RingCentral's session events to a server that
runs `receive_webhook` on the same control plane, as the call_events function would.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from devstack.telephony_emulator import Behaviour, TelephonyEmulator, serve_emulator
from devstack.telephony_emulator.emulator import (
    LOCAL_CLIENT_ID,
    LOCAL_CLIENT_SECRET,
    LOCAL_DEVICE_ID,
    LOCAL_JWT,
)
from shared.calls import media_tokens
from shared.calls.dispatch import DispatchOutcome
from shared.calls.plane import ControlPlane
from shared.calls.webhook import receive_webhook
from shared.client_api import MockClientApi, TripsClient
from shared.config import Settings
from shared.domain.call import CallStatus, Direction
from shared.queue import DispatchMessage
from shared.queue.local import RedisDispatchQueue
from shared.serving import serving
from shared.telephony.dialer import MediaLegs, RingCentralDialer
from shared.telephony.ringcentral import JwtCredentials, RingCentralClient
from tests.integration.control_plane.support import WEBHOOK_TOKEN, FakeClock

PHONE = "+525512345678"
SAFETY_NET_SECONDS = 10  # against a hang, never a measurement


@dataclass
class Telephony:
    plane: ControlPlane
    emulator: TelephonyEmulator
    legs: MediaLegs


@pytest.fixture
async def telephony(
    cp_settings: Settings,
    cp_pool: asyncpg.Pool,
    redis_client: Any,
    redis_prefix: str,
    trips: MockClientApi,
    clock: FakeClock,
) -> AsyncIterator[Telephony]:
    planes: list[ControlPlane] = []

    async def webhook(request: Request) -> Response:
        reply = await receive_webhook(
            request.headers, await request.body(), WEBHOOK_TOKEN, planes[0].events, clock()
        )
        return Response(reply.body, reply.status, reply.headers)

    emulator = TelephonyEmulator()
    legs = MediaLegs(redis_client, redis_prefix)
    async with (
        serving(
            Starlette(routes=[Route("/webhooks/ringcentral", webhook, methods=["POST"])])
        ) as hook,
        serve_emulator(emulator) as emulator_url,
        RingCentralClient(
            emulator_url,
            JwtCredentials(LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LOCAL_JWT),
            LOCAL_DEVICE_ID,
        ) as client,
        TripsClient.from_settings(cp_settings) as trips_client,
    ):
        emulator.webhooks.add(f"{hook}/webhooks/ringcentral", WEBHOOK_TOKEN)
        planes.append(
            ControlPlane(
                cp_settings,
                cp_pool,
                redis_client,
                trips=trips_client,
                dialer=RingCentralDialer(client, legs),
                queue=RedisDispatchQueue(redis_client, redis_prefix),
                clock=clock,
            )
        )
        yield Telephony(planes[0], emulator, legs)


async def dial(telephony: Telephony, clock: FakeClock) -> str:
    plane = telephony.plane
    call_id = uuid.uuid4()
    await plane.audit.drivers.upsert("D-1", PHONE, "Juan Pérez")
    await plane.audit.calls.create(
        call_id, "D-1", "T-1", PHONE, Direction.OUTBOUND, CallStatus.QUEUED
    )
    outcome = await plane.dispatcher.handle(DispatchMessage(call_id=str(call_id)), clock())
    assert outcome is DispatchOutcome.DIALED
    return str(call_id)


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    async def poll() -> None:
        while not await check():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), SAFETY_NET_SECONDS)


async def status_of(plane: ControlPlane, call_id: str) -> CallStatus | None:
    call = await plane.audit.calls.get(call_id)
    return call.status if call is not None else None


@pytest.mark.parametrize(
    ("behaviour", "result"),
    [
        (Behaviour.NO_ANSWER, "no_answer"),
        (Behaviour.BUSY, "busy"),
        (Behaviour.VOICEMAIL, "voicemail"),
    ],
)
async def test_an_unanswered_call_out_is_scheduled_for_a_redial(
    telephony: Telephony, clock: FakeClock, behaviour: Behaviour, result: str
) -> None:
    telephony.emulator.script(PHONE, behaviour)

    call_id = await dial(telephony, clock)

    plane = telephony.plane
    await until(lambda: _is(plane, call_id, CallStatus.RETRY_SCHEDULED))
    (attempt,) = await plane.audit.attempts.list(call_id)
    assert attempt.result == result
    assert attempt.telephony_session_id in telephony.emulator.calls


async def test_an_answered_call_hands_its_media_token_to_the_leg_once_and_hangs_up(
    telephony: Telephony, clock: FakeClock
) -> None:
    telephony.emulator.script(PHONE, Behaviour.ANSWER)

    call_id = await dial(telephony, clock)

    plane = telephony.plane
    await until(lambda: _is(plane, call_id, CallStatus.IN_PROGRESS))
    (attempt,) = await plane.audit.attempts.list(call_id)
    session = attempt.telephony_session_id
    assert session is not None
    token = await telephony.legs.take(session)
    assert token is not None
    assert await plane.sessions.call_for_media_token(media_tokens.token_id(token)) == call_id
    assert await telephony.legs.take(session) is None

    await plane.dialer.hang_up(session)

    assert [h.telephony_session_id for h in telephony.emulator.hangups] == [session]


async def _is(plane: ControlPlane, call_id: str, status: CallStatus) -> bool:
    return await status_of(plane, call_id) is status
