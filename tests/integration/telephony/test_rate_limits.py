"""429 waits exactly Retry-After; 5xx backs off only where a retry cannot ring twice."""

from __future__ import annotations

import pytest

from devstack.telephony_emulator import Behaviour, Fault, TelephonyEmulator
from shared.telephony.ringcentral import (
    RingCentralClient,
    RingCentralRateLimited,
    RingCentralRejected,
    RingCentralUnavailable,
)

from .conftest import FakeTime, WebhookReceiver

CALL_OUT = "/restapi/v1.0/account/~/telephony/call-out"
SESSIONS = "/restapi/v1.0/account/~/telephony/sessions"
TOKEN = "/restapi/oauth/token"


def statuses(emulator: TelephonyEmulator, method: str, prefix: str) -> list[int]:
    return [r.status for r in emulator.attempts(method, prefix)]


async def test_a_429_is_retried_after_exactly_its_retry_after(
    client: RingCentralClient, emulator: TelephonyEmulator, fake_time: FakeTime
) -> None:
    emulator.inject_fault(Fault(429, path_prefix=CALL_OUT, retry_after=7))
    leg = await client.call_out("+525511112222")
    assert leg.telephony_session_id in emulator.calls
    assert statuses(emulator, "POST", CALL_OUT) == [429, 201]
    assert fake_time.sleeps == [7.0]


async def test_a_429_without_retry_after_waits_the_documented_30_seconds(
    client: RingCentralClient, emulator: TelephonyEmulator, fake_time: FakeTime
) -> None:
    emulator.inject_fault(Fault(429, path_prefix=CALL_OUT))
    await client.call_out("+525511112222")
    assert fake_time.sleeps == [30.0]


async def test_the_token_grant_honours_429_too(
    client: RingCentralClient, emulator: TelephonyEmulator, fake_time: FakeTime
) -> None:
    emulator.inject_fault(Fault(429, path_prefix=TOKEN, retry_after=12))
    assert await client.hang_up("s-unknown") is False
    assert statuses(emulator, "POST", TOKEN) == [429, 200]
    assert fake_time.sleeps == [12.0]


async def test_a_penalty_beyond_the_cap_goes_back_to_the_caller_and_holds_the_group(
    client: RingCentralClient, emulator: TelephonyEmulator, fake_time: FakeTime
) -> None:
    emulator.inject_fault(Fault(429, path_prefix=CALL_OUT, retry_after=90))
    with pytest.raises(RingCentralRateLimited) as limited:
        await client.call_out("+525511112222")
    assert (limited.value.retry_after, limited.value.group) == (90, "Heavy")
    # Requests during the penalty would restart it: the next dial is not even sent.
    with pytest.raises(RingCentralRateLimited):
        await client.call_out("+525511112222")
    assert statuses(emulator, "POST", CALL_OUT) == [429]
    assert fake_time.sleeps == []
    # Other rate groups are unaffected.
    assert await client.hang_up("s-unknown") is False


async def test_repeated_429s_stop_at_the_attempt_cap(
    client: RingCentralClient, emulator: TelephonyEmulator, fake_time: FakeTime
) -> None:
    emulator.inject_fault(Fault(429, path_prefix=CALL_OUT, retry_after=1, times=10))
    with pytest.raises(RingCentralRateLimited):
        await client.call_out("+525511112222")
    assert statuses(emulator, "POST", CALL_OUT) == [429] * 4
    assert fake_time.sleeps == [1.0] * 3


async def test_a_5xx_on_an_idempotent_request_is_retried_with_backoff(
    client: RingCentralClient, emulator: TelephonyEmulator, fake_time: FakeTime
) -> None:
    emulator.inject_fault(Fault(503, path_prefix=SESSIONS, method="DELETE", times=2))
    assert await client.hang_up("s-unknown") is False
    assert statuses(emulator, "DELETE", SESSIONS) == [503, 503, 404]
    assert len(fake_time.sleeps) == 2
    assert all(0 <= s <= 8 for s in fake_time.sleeps)


async def test_a_5xx_on_call_out_is_not_retried_because_the_phone_may_ring(
    client: RingCentralClient, emulator: TelephonyEmulator, fake_time: FakeTime
) -> None:
    emulator.inject_fault(Fault(500, path_prefix=CALL_OUT))
    with pytest.raises(RingCentralUnavailable) as down:
        await client.call_out("+525511112222")
    assert down.value.maybe_processed is True
    assert statuses(emulator, "POST", CALL_OUT) == [500]
    assert fake_time.sleeps == []


async def test_other_4xx_answers_are_final(
    client: RingCentralClient,
    emulator: TelephonyEmulator,
    receiver: WebhookReceiver,
    fake_time: FakeTime,
) -> None:
    emulator.script("+525511112222", Behaviour.NO_ANSWER)
    leg = await client.call_out("+525511112222")
    await receiver.outcome()
    with pytest.raises(RingCentralRejected) as rejected:
        await client.transfer(leg, extension_number="201")
    assert (rejected.value.status, rejected.value.error_code) == (404, "CMN-102")
    with pytest.raises(RingCentralRejected) as invalid:
        await client.call_out("5511112222")  # not E.164
    assert invalid.value.status == 400
    assert statuses(emulator, "POST", SESSIONS) == [404]
    assert fake_time.sleeps == []
