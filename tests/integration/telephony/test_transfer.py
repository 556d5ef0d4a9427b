"""transferir_a_humano through HumanHandoff: the emulator's human agent gets call and context."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from devstack.telephony_emulator import EmulatedCall, EmulatorBriefing, TelephonyEmulator
from devstack.telephony_emulator.emulator import (
    LOCAL_CLIENT_ID,
    LOCAL_CLIENT_SECRET,
    LOCAL_DEVICE_ID,
    LOCAL_JWT,
)
from media_server.process import telephony_handoff
from shared.calls.call_legs import CallLegs
from shared.config import Settings, SettingsError
from shared.telephony.handoff import HandoffRequest, HumanHandoff
from shared.telephony.ringcentral import (
    CallLeg,
    EventKind,
    RingCentralClient,
    RingCentralHandoff,
)

from .conftest import WebhookReceiver

DRIVER = "+525555556666"
QUEUE = "201"


class LegDirectory:
    """Stands in for the call session store: Karla's call id -> RingCentral ids."""

    def __init__(self) -> None:
        self.legs: dict[str, CallLeg] = {}

    async def __call__(self, call_id: str) -> CallLeg | None:
        return self.legs.get(call_id)


@pytest.fixture
async def briefing(emulator_url: str) -> AsyncIterator[EmulatorBriefing]:
    briefing = EmulatorBriefing(emulator_url)
    yield briefing
    await briefing.aclose()


def request(call_id: str = "call-1") -> HandoffRequest:
    return HandoffRequest(
        call_id=call_id,
        driver_id="D-01",
        trip_id="T-1001",
        reason="cambio_de_ruta",
        summary="El operador pide cambiar el destino a Saltillo y hablar con su coordinador.",
    )


async def test_the_human_agent_takes_the_live_call_with_its_context(
    client: RingCentralClient,
    emulator: TelephonyEmulator,
    receiver: WebhookReceiver,
    briefing: EmulatorBriefing,
    emulator_url: str,
) -> None:
    media_cut = asyncio.Event()

    async def driver_on_the_line(_: EmulatedCall) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            media_cut.set()

    emulator.on_answered = driver_on_the_line
    legs = LegDirectory()
    handoff: HumanHandoff = RingCentralHandoff(client, legs, QUEUE, briefing)
    legs.legs["call-1"] = await client.call_out(DRIVER)
    await receiver.until(EventKind.ANSWERED)

    result = await handoff.transfer(request())

    assert (result.accepted, result.destination) == (True, QUEUE)
    (taken,) = emulator.transfers
    assert taken.telephony_session_id == legs.legs["call-1"].telephony_session_id
    assert (taken.target, taken.driver_number) == ({"extensionNumber": QUEUE}, DRIVER)
    assert taken.briefing is not None
    assert (taken.briefing.call_id, taken.briefing.reason) == ("call-1", "cambio_de_ruta")
    assert taken.briefing.summary == request().summary
    (moved,) = await receiver.until(EventKind.TRANSFERRED)
    assert moved.reason == "BlindTransfer"
    await asyncio.wait_for(media_cut.wait(), 10)
    async with httpx.AsyncClient(base_url=emulator_url) as admin:
        (listed,) = (await admin.get("/_emulator/transfers")).json()
    assert listed["briefing"]["trip_id"] == "T-1001"
    assert listed["agent"] == f"agente-humano@{QUEUE}"


async def test_a_call_without_a_live_leg_is_not_transferred(
    client: RingCentralClient, emulator: TelephonyEmulator
) -> None:
    handoff = RingCentralHandoff(client, LegDirectory(), QUEUE)
    result = await handoff.transfer(request("call-unknown"))
    assert result.accepted is False
    assert emulator.transfers == []


async def test_a_transfer_ringcentral_refuses_is_reported_not_raised(
    client: RingCentralClient, emulator: TelephonyEmulator, receiver: WebhookReceiver
) -> None:
    legs = LegDirectory()
    legs.legs["call-1"] = await client.call_out(DRIVER)
    await receiver.until(EventKind.ANSWERED)
    await client.hang_up(legs.legs["call-1"].telephony_session_id)

    result = await RingCentralHandoff(client, legs, QUEUE).transfer(request())

    assert result.accepted is False
    assert "404" in result.detail
    assert emulator.transfers == []


async def test_a_failed_briefing_does_not_stop_the_transfer(
    client: RingCentralClient, emulator: TelephonyEmulator, receiver: WebhookReceiver
) -> None:
    class DownScreenPop:
        async def brief(self, request: HandoffRequest, leg: CallLeg, destination: str) -> None:
            raise ConnectionError("screen-pop service down")

    legs = LegDirectory()
    legs.legs["call-1"] = await client.call_out(DRIVER)
    await receiver.until(EventKind.ANSWERED)

    result = await RingCentralHandoff(client, legs, QUEUE, DownScreenPop()).transfer(request())

    assert result.accepted is True
    assert [t.briefing for t in emulator.transfers] == [None]


async def test_the_media_server_process_transfers_through_ringcentral_when_configured(
    client: RingCentralClient,
    emulator: TelephonyEmulator,
    receiver: WebhookReceiver,
    emulator_url: str,
    settings: Settings,
    redis_client: aioredis.Redis,
) -> None:
    configured = settings.model_copy(
        update={
            "ringcentral_server_url": emulator_url,
            "ringcentral_client_id": LOCAL_CLIENT_ID,
            "ringcentral_client_secret": SecretStr(LOCAL_CLIENT_SECRET),
            "ringcentral_jwt": SecretStr(LOCAL_JWT),
            "ringcentral_bridge_device_id": LOCAL_DEVICE_ID,
            "ringcentral_transfer_target": QUEUE,
        }
    )
    leg = await client.call_out(DRIVER)
    await receiver.until(EventKind.ANSWERED)
    legs = CallLegs(redis_client, settings.redis_key_prefix, 60)
    await legs.record("call-1", leg)  # what the telephony webhook does on the answer

    async with telephony_handoff(configured) as handoff:
        result = await handoff.transfer(request())

    assert (result.accepted, result.destination) == (True, QUEUE)
    (taken,) = emulator.transfers
    assert taken.telephony_session_id == leg.telephony_session_id


async def test_without_ringcentral_the_media_server_only_records_transfers(
    settings: Settings, emulator: TelephonyEmulator
) -> None:
    async with telephony_handoff(settings) as handoff:
        result = await handoff.transfer(request())
    assert (result.accepted, result.detail) == (True, "recorded")
    assert emulator.transfers == []


async def test_ringcentral_without_a_transfer_target_stops_start_up(settings: Settings) -> None:
    half = settings.model_copy(update={"ringcentral_client_id": LOCAL_CLIENT_ID})
    with pytest.raises(SettingsError, match="RINGCENTRAL_TRANSFER_TARGET"):
        async with telephony_handoff(half):
            pass
