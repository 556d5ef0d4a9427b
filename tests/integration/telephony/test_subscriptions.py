"""Webhook subscriptions: RingCentral's handshake, then events to the subscribed address."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from devstack.telephony_emulator import Behaviour, TelephonyEmulator
from shared.telephony.ringcentral import (
    TELEPHONY_SESSIONS_FILTER,
    EventKind,
    RingCentralClient,
    RingCentralRejected,
)

from .conftest import VERIFICATION_TOKEN, WebhookReceiver

DRIVER = "+525533334444"


@pytest.fixture
async def emulator() -> AsyncIterator[TelephonyEmulator]:
    """Nobody subscribed yet: the tests here create the subscription."""
    emulator = TelephonyEmulator()
    yield emulator
    await emulator.aclose()


async def test_a_new_subscription_handshakes_then_receives_the_calls_events(
    client: RingCentralClient, emulator: TelephonyEmulator, receiver: WebhookReceiver
) -> None:
    subscription = await client.create_subscription(receiver.url, VERIFICATION_TOKEN)
    assert subscription.active
    assert subscription.address == receiver.url
    assert len(receiver.handshakes) == 1
    stored = emulator.webhooks.subscriptions[subscription.id]
    assert stored.event_filters == [TELEPHONY_SESSIONS_FILTER]
    assert stored.verification_token == VERIFICATION_TOKEN

    emulator.script(DRIVER, Behaviour.NO_ANSWER)
    leg = await client.call_out(DRIVER)
    last = (await receiver.outcome())[-1]
    assert (last.kind, last.telephony_session_id) == (EventKind.NO_ANSWER, leg.telephony_session_id)


async def test_a_webhook_that_fails_the_handshake_gets_no_subscription(
    client: RingCentralClient, emulator: TelephonyEmulator, receiver: WebhookReceiver
) -> None:
    mute = receiver.url.replace("/rc/webhook", "/mute")
    with pytest.raises(RingCentralRejected) as refused:
        await client.create_subscription(mute, VERIFICATION_TOKEN)
    assert refused.value.error_code == "SUB-525"
    assert emulator.webhooks.subscriptions == {}


async def test_ensure_renews_a_live_subscription_and_replaces_a_lost_one(
    client: RingCentralClient, emulator: TelephonyEmulator, receiver: WebhookReceiver
) -> None:
    first = await client.ensure_subscription(None, receiver.url, VERIFICATION_TOKEN)
    renewed = await client.ensure_subscription(first.id, receiver.url, VERIFICATION_TOKEN)
    assert renewed.id == first.id
    assert len(receiver.handshakes) == 1

    emulator.webhooks.subscriptions[first.id].status = "Blacklisted"
    replaced = await client.ensure_subscription(first.id, receiver.url, VERIFICATION_TOKEN)
    assert replaced.id != first.id
    assert list(emulator.webhooks.subscriptions) == [replaced.id]

    del emulator.webhooks.subscriptions[replaced.id]
    recreated = await client.ensure_subscription(replaced.id, receiver.url, VERIFICATION_TOKEN)
    assert recreated.active
    assert len(receiver.handshakes) == 3
