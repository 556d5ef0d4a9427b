"""JWT grant, the token cache, renewal before expiry and one re-auth after a 401."""

from __future__ import annotations

import asyncio

import pytest

from devstack.telephony_emulator import TelephonyEmulator
from shared.telephony.ringcentral import RingCentralAuthFailed, RingCentralClient

from .conftest import FakeTime, make_client

TOKEN = "/restapi/oauth/token"


async def test_one_jwt_grant_serves_many_requests(
    client: RingCentralClient, emulator: TelephonyEmulator
) -> None:
    for _ in range(3):
        assert await client.hang_up("s-unknown") is False
    assert emulator.tokens.grants == 1


async def test_the_token_is_renewed_before_it_expires(
    client: RingCentralClient, emulator: TelephonyEmulator, fake_time: FakeTime
) -> None:
    await client.hang_up("s-unknown")
    fake_time.now += 3600 - 59  # inside the renewal margin of the emulator's 1 h token
    await client.hang_up("s-unknown")
    assert emulator.tokens.grants == 2
    assert [r.status for r in emulator.attempts("POST", TOKEN)] == [200, 200]
    assert all(r.status == 404 for r in emulator.attempts("DELETE", "/restapi/v1.0"))


async def test_a_refused_token_is_replaced_once_and_the_request_sent_again(
    client: RingCentralClient, emulator: TelephonyEmulator
) -> None:
    await client.hang_up("s-unknown")
    emulator.tokens.expire_all()
    assert await client.hang_up("s-unknown") is False
    assert emulator.tokens.grants == 2
    assert [r.status for r in emulator.attempts("DELETE", "/restapi/v1.0")] == [404, 401, 404]


async def test_concurrent_callers_share_one_renewal(
    client: RingCentralClient, emulator: TelephonyEmulator
) -> None:
    await client.hang_up("s-unknown")
    emulator.tokens.expire_all()
    results = await asyncio.gather(*(client.hang_up("s-unknown") for _ in range(8)))
    assert results == [False] * 8
    assert emulator.tokens.grants == 2


async def test_concurrent_first_requests_make_one_grant(
    client: RingCentralClient, emulator: TelephonyEmulator
) -> None:
    await asyncio.gather(*(client.hang_up("s-unknown") for _ in range(8)))
    assert emulator.tokens.grants == 1


@pytest.mark.parametrize("wrong", [{"jwt": "not-the-jwt"}, {"client_secret": "nope"}])
async def test_wrong_credentials_fail_without_retrying(
    emulator_url: str, emulator: TelephonyEmulator, fake_time: FakeTime, wrong: dict[str, str]
) -> None:
    async with make_client(emulator_url, fake_time, **wrong) as client:
        with pytest.raises(RingCentralAuthFailed) as failure:
            await client.call_out("+525511112222")
    assert failure.value.status in (400, 401)
    assert len(emulator.attempts("POST", TOKEN)) == 1
    assert emulator.attempts("POST", "/restapi/v1.0") == []
