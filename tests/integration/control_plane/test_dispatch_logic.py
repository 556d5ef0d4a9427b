"""The dispatch logic without Lambda around it: the dial bucket, refused dials, foreign
trips, and a telephony verdict racing the dispatcher."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from shared.calls.dispatch import DispatchOutcome
from shared.calls.parked_events import ParkedEvents
from shared.calls.plane import ControlPlane
from shared.calls.telephony_events import EventEffect, TelephonyEvents
from shared.client_api import MockClientApi, TripsClient
from shared.config import Settings
from shared.domain.call import CallStatus, Direction
from shared.queue import DispatchMessage
from shared.queue.local import RedisDispatchQueue
from shared.telephony.ringcentral import PartyEvent, RingCentralUnavailable, parse_notification
from tests.integration.control_plane.support import FakeClock, FakeDialer, notification


@pytest.fixture
async def plane(
    cp_settings: Settings,
    cp_pool: asyncpg.Pool,
    redis_client: Any,
    trips: MockClientApi,
    dialer: FakeDialer,
    clock: FakeClock,
) -> AsyncIterator[tuple[ControlPlane, list[float]]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    settings = cp_settings.model_copy(update={"dial_rate_per_second": 0.2, "dial_rate_burst": 1})
    async with TripsClient.from_settings(settings) as trips_client:
        yield (
            ControlPlane(
                settings,
                cp_pool,
                redis_client,
                trips=trips_client,
                dialer=dialer,
                queue=RedisDispatchQueue(redis_client, settings.redis_key_prefix),
                clock=clock,
                sleep=sleep,
            ),
            slept,
        )


async def queued_call(plane: ControlPlane, driver: str = "D-1", trip: str = "T-1") -> str:
    call_id = uuid.uuid4()
    await plane.audit.drivers.upsert(driver, "+525512345678", "Juan Pérez")
    await plane.audit.calls.create(
        call_id, driver, trip, "+525512345678", Direction.OUTBOUND, CallStatus.QUEUED
    )
    return str(call_id)


async def test_without_a_dial_token_it_waits_then_goes_back_to_the_queue(
    plane: tuple[ControlPlane, list[float]], dialer: FakeDialer, clock: FakeClock
) -> None:
    control, slept = plane
    first, second = await queued_call(control), await queued_call(control, "D-2", "T-2")

    dialled = await control.dispatcher.handle(DispatchMessage(call_id=first), clock())
    deferred = await control.dispatcher.handle(DispatchMessage(call_id=second), clock())

    assert (dialled, deferred) == (DispatchOutcome.DIALED, DispatchOutcome.DEFERRED)
    assert [d.call_id for d in dialer.dials] == [first]
    # 0.2 dials/s: two waits of ~5 s fit in the 10 s budget, the third would not.
    assert len(slept) == 2
    assert all(4 < s <= 5 for s in slept)
    assert isinstance(control.queue, RedisDispatchQueue)
    assert await control.queue.depth() == 1
    call = await control.audit.calls.get(second)
    assert call is not None
    assert call.status is CallStatus.QUEUED


async def test_a_message_not_due_yet_goes_back_with_the_remaining_delay(
    plane: tuple[ControlPlane, list[float]], dialer: FakeDialer, clock: FakeClock
) -> None:
    control, _ = plane
    call_id = await queued_call(control)
    early = DispatchMessage(call_id=call_id, not_before=clock.now.replace(minute=10))

    outcome = await control.dispatcher.handle(early, clock())

    assert outcome is DispatchOutcome.DEFERRED
    assert dialer.dials == []


async def test_a_refused_call_out_is_a_failed_try_redialled_later(
    plane: tuple[ControlPlane, list[float]], dialer: FakeDialer, clock: FakeClock
) -> None:
    control, _ = plane
    call_id = await queued_call(control)
    dialer.fail_with = RingCentralUnavailable("503 from call-out", maybe_processed=False)

    outcome = await control.dispatcher.handle(DispatchMessage(call_id=call_id), clock())

    assert outcome is DispatchOutcome.DIAL_FAILED
    call = await control.audit.calls.get(call_id)
    assert call is not None
    assert (call.status, call.attempts) == (CallStatus.RETRY_SCHEDULED, 1)
    (attempt,) = await control.audit.attempts.list(call_id)
    assert attempt.result == "failed"


async def test_a_trip_of_another_driver_is_never_dialled(
    plane: tuple[ControlPlane, list[float]], dialer: FakeDialer, clock: FakeClock
) -> None:
    control, _ = plane
    call_id = await queued_call(control, driver="D-1", trip="T-2")  # T-2 is D-2's

    outcome = await control.dispatcher.handle(DispatchMessage(call_id=call_id), clock())

    assert outcome is DispatchOutcome.FAILED
    assert dialer.dials == []
    call = await control.audit.calls.get(call_id)
    assert call is not None
    assert call.status is CallStatus.FAILED
    assert call.outcome_reason == "el viaje T-2 no está asignado al operador D-1"


async def test_a_stale_attempt_number_is_ignored(
    plane: tuple[ControlPlane, list[float]], dialer: FakeDialer, clock: FakeClock
) -> None:
    control, _ = plane
    call_id = await queued_call(control)

    outcome = await control.dispatcher.handle(DispatchMessage(call_id=call_id, attempt=2), clock())

    assert outcome is DispatchOutcome.STALE
    assert dialer.dials == []


async def test_a_verdict_parked_just_after_the_dispatcher_drained_is_not_lost(
    plane: tuple[ControlPlane, list[float]], clock: FakeClock
) -> None:
    control, _ = plane
    call_id = await queued_call(control)
    await control.states.claim_dial(call_id, 1, clock.now)
    busy = parse_notification(notification("s-racy", "Disconnected", "TargetBusy"))[0]

    class DispatcherSlipsIn(ParkedEvents):
        async def park(self, event: PartyEvent) -> None:
            # Between the webhook's look and its park, the dispatcher records the session
            # and drains the (still empty) parking.
            await control.audit.attempts.start(call_id, 1, "s-racy")
            assert await self.drain("s-racy") == []
            await super().park(event)

    parked = DispatcherSlipsIn(control.redis, control.settings.redis_key_prefix)
    events = TelephonyEvents(control.audit, control.states, control.redial, parked, 120)

    effect = await events.handle(busy, clock())

    assert effect is EventEffect.RETRY_SCHEDULED
    call = await control.audit.calls.get(call_id)
    assert call is not None
    assert call.status is CallStatus.RETRY_SCHEDULED
