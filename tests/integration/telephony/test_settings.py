"""Client and emulator built from one Settings object speak to each other."""

from __future__ import annotations

import pytest

from devstack.telephony_emulator import TelephonyEmulator, serve_emulator
from shared.config import SettingsError, load_settings
from shared.telephony.ringcentral import EventKind, RingCentralClient

from .conftest import VERIFICATION_TOKEN, WebhookReceiver


def test_a_client_without_credentials_refuses_to_start() -> None:
    settings = load_settings(ringcentral_client_id="app", ringcentral_jwt="")
    with pytest.raises(SettingsError) as refused:
        RingCentralClient.from_settings(settings)
    message = str(refused.value)
    assert "RINGCENTRAL_JWT" in message
    assert "RINGCENTRAL_BRIDGE_DEVICE_ID" in message
    assert "RINGCENTRAL_CLIENT_ID" not in message


async def test_the_emulator_accepts_the_client_configured_alike(receiver: WebhookReceiver) -> None:
    overrides = {
        "ringcentral_client_id": "app-123",
        "ringcentral_client_secret": "secret-456",
        "ringcentral_jwt": "jwt-789",
        "ringcentral_bridge_device_id": "600100",
        "ringcentral_from_number": "+525500001111",
        "ringcentral_webhook_url": receiver.url,
        "ringcentral_webhook_verification_token": VERIFICATION_TOKEN,
    }
    emulator = TelephonyEmulator.from_settings(load_settings(**overrides))
    async with serve_emulator(emulator) as url:
        settings = load_settings(**overrides, ringcentral_server_url=url)
        async with RingCentralClient.from_settings(settings) as client:
            leg = await client.call_out("+525512340000")
        event = await receiver.next_event()
    assert (event.kind, event.telephony_session_id) == (EventKind.RINGING, leg.telephony_session_id)
    assert event.from_number == "+525500001111"
    assert emulator.calls[leg.telephony_session_id].device_id == "600100"
