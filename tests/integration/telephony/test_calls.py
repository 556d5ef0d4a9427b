"""Call-out returns the session's ids; the emulator's scripted phones produce the events."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from devstack.telephony_emulator import (
    Behaviour,
    EmulatedCall,
    TelephonyEmulator,
    serve_emulator,
)
from shared.domain.call import AttemptResult
from shared.telephony.ringcentral import EventKind, RingCentralClient

from .conftest import VERIFICATION_TOKEN, FakeTime, WebhookReceiver, make_client

DRIVER = "+525511112222"


@pytest.mark.parametrize(
    ("behaviour", "result", "reason"),
    [
        (Behaviour.ANSWER, AttemptResult.ANSWERED, None),
        (Behaviour.NO_ANSWER, AttemptResult.NO_ANSWER, "NoAnswer"),
        (Behaviour.BUSY, AttemptResult.BUSY, "TargetBusy"),
        (Behaviour.VOICEMAIL, AttemptResult.VOICEMAIL, None),
        (Behaviour.REJECT, AttemptResult.REJECTED, "Rejected"),
    ],
)
async def test_each_scripted_phone_ends_the_attempt_with_its_event(
    client: RingCentralClient,
    emulator: TelephonyEmulator,
    receiver: WebhookReceiver,
    behaviour: Behaviour,
    result: AttemptResult,
    reason: str | None,
) -> None:
    emulator.script(DRIVER, behaviour)
    leg = await client.call_out(DRIVER)
    call = emulator.calls[leg.telephony_session_id]
    assert leg.party_id == call.party_id
    assert leg.telephony_session_id.startswith("s-")
    events = await receiver.outcome()
    assert events[0].kind is EventKind.RINGING
    assert [e.sequence for e in events] == sorted({e.sequence for e in events})
    last = events[-1]
    assert (last.attempt_result, last.reason) == (result, reason)
    assert last.telephony_session_id == leg.telephony_session_id
    assert (last.from_number, last.to_number) == (emulator.from_number, DRIVER)
    if behaviour is not Behaviour.VOICEMAIL:  # voicemail is reported on the driver's party
        assert last.party_id == leg.party_id
    assert receiver.refused == 0


async def test_hang_up_ends_the_call_once(
    client: RingCentralClient, emulator: TelephonyEmulator, receiver: WebhookReceiver
) -> None:
    leg = await client.call_out(DRIVER)
    await receiver.until(EventKind.ANSWERED)
    assert await client.hang_up(leg.telephony_session_id) is True
    (ended,) = await receiver.until(EventKind.DISCONNECTED)
    assert (ended.reason, ended.party_id) == ("CallFinished", leg.party_id)
    assert [h.telephony_session_id for h in emulator.hangups] == [leg.telephony_session_id]
    assert await client.hang_up(leg.telephony_session_id) is False
    assert len(emulator.hangups) == 1


async def test_an_answered_call_starts_the_media_leg_and_its_end_hangs_up(
    client: RingCentralClient, emulator: TelephonyEmulator, receiver: WebhookReceiver
) -> None:
    answered: list[EmulatedCall] = []

    async def driver_talks_then_hangs_up(call: EmulatedCall) -> None:
        answered.append(call)

    emulator.on_answered = driver_talks_then_hangs_up
    leg = await client.call_out(DRIVER)
    events = await receiver.until(EventKind.DISCONNECTED)
    assert [e.kind for e in events][-2:] == [EventKind.ANSWERED, EventKind.DISCONNECTED]
    assert [(c.telephony_session_id, c.to_number) for c in answered] == [
        (leg.telephony_session_id, DRIVER)
    ]
    assert emulator.hangups == []  # the driver hung up, not Karla


async def test_karla_hanging_up_cuts_the_media_leg(
    client: RingCentralClient, emulator: TelephonyEmulator, receiver: WebhookReceiver
) -> None:
    started, cut = asyncio.Event(), asyncio.Event()

    async def driver_on_the_line(_: EmulatedCall) -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            cut.set()

    emulator.on_answered = driver_on_the_line
    leg = await client.call_out(DRIVER)
    await asyncio.wait_for(started.wait(), 10)
    await client.hang_up(leg.telephony_session_id)
    await asyncio.wait_for(cut.wait(), 10)
    await receiver.until(EventKind.DISCONNECTED)


async def test_the_served_emulator_is_scripted_and_read_over_its_admin_endpoints(
    receiver: WebhookReceiver, fake_time: FakeTime
) -> None:
    emulator = TelephonyEmulator(webhook_url=receiver.url, verification_token=VERIFICATION_TOKEN)
    async with (
        serve_emulator(emulator) as url,
        httpx.AsyncClient(base_url=url) as admin,
        make_client(url, fake_time) as client,
    ):
        scripted = await admin.put(f"/_emulator/numbers/{DRIVER}", json={"behaviour": "busy"})
        assert scripted.status_code == 204
        bad = await admin.put(f"/_emulator/numbers/{DRIVER}", json={"behaviour": "asleep"})
        assert bad.status_code == 400
        leg = await client.call_out(DRIVER)
        assert (await receiver.outcome())[-1].kind is EventKind.BUSY
        calls = (await admin.get("/_emulator/calls")).json()
        assert [(c["telephony_session_id"], c["reason"]) for c in calls] == [
            (leg.telephony_session_id, "TargetBusy")
        ]
        logged = (await admin.get("/_emulator/requests")).json()
        assert [(r["method"], r["status"]) for r in logged] == [("POST", 200), ("POST", 201)]
