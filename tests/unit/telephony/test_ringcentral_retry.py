"""The retry policy on transport failures and rate-limit headers (httpx MockTransport)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from shared.telephony.ringcentral import (
    RateGroup,
    RequestPolicy,
    RingCentralRateLimited,
    RingCentralUnavailable,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Answer = Callable[[httpx.Request], httpx.Response]


def scripted(*answers: Answer) -> tuple[httpx.AsyncClient, list[httpx.Request]]:
    """An httpx client whose n-th request gets the n-th answer (or raise)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[len(seen) - 1](request)

    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://rc"), seen


def ok(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={})


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def timed_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("no answer", request=request)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def policy(clock: Clock) -> RequestPolicy:
    return RequestPolicy(sleep=clock.sleep, clock=clock, max_retry_after=60)


async def test_a_connection_that_never_opened_is_retried_even_for_call_out(clock: Clock) -> None:
    http, seen = scripted(refused, refused, ok)
    request = http.build_request("POST", "/call-out")
    response = await policy(clock).send(http, request, group=RateGroup.HEAVY, idempotent=False)
    assert response.status_code == 200
    assert len(seen) == 3
    assert len(clock.sleeps) == 2


async def test_a_connection_that_never_opens_is_unavailable_and_unprocessed(clock: Clock) -> None:
    http, seen = scripted(*[refused] * 4)
    with pytest.raises(RingCentralUnavailable) as down:
        await policy(clock).send(
            http, http.build_request("POST", "/x"), group=RateGroup.HEAVY, idempotent=False
        )
    assert down.value.maybe_processed is False
    assert len(seen) == 4


async def test_a_read_timeout_is_final_for_call_out_but_retried_for_a_hang_up(
    clock: Clock,
) -> None:
    http, seen = scripted(timed_out)
    with pytest.raises(RingCentralUnavailable) as down:
        await policy(clock).send(
            http, http.build_request("POST", "/call-out"), group=RateGroup.HEAVY, idempotent=False
        )
    assert down.value.maybe_processed is True
    assert len(seen) == 1

    http, seen = scripted(timed_out, ok)
    response = await policy(clock).send(
        http, http.build_request("DELETE", "/session"), group=RateGroup.LIGHT, idempotent=True
    )
    assert response.status_code == 200
    assert len(seen) == 2


async def test_a_spent_budget_pauses_the_group_for_its_window(clock: Clock) -> None:
    def last_one(_: httpx.Request) -> httpx.Response:
        headers = {
            "X-Rate-Limit-Group": "heavy",
            "X-Rate-Limit-Limit": "10",
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Window": "45",
        }
        return httpx.Response(201, json={}, headers=headers)

    http, seen = scripted(last_one, ok, ok)
    rc = policy(clock)
    for _ in range(2):
        await rc.send(
            http, http.build_request("POST", "/c"), group=RateGroup.HEAVY, idempotent=False
        )
    assert clock.sleeps == [45.0]
    await rc.send(http, http.build_request("GET", "/s"), group=RateGroup.LIGHT, idempotent=True)
    assert clock.sleeps == [45.0]  # other groups are not held back
    assert len(seen) == 3


async def test_a_retry_after_that_is_not_a_number_falls_back_to_30_seconds(clock: Clock) -> None:
    def limited(_: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "soon"})

    http, _ = scripted(limited, ok)
    await policy(clock).send(
        http, http.build_request("GET", "/s"), group=RateGroup.LIGHT, idempotent=True
    )
    assert clock.sleeps == [30.0]


async def test_the_gate_refuses_without_sending_while_a_long_penalty_runs(clock: Clock) -> None:
    def limited(_: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "600"})

    http, seen = scripted(limited)
    rc = policy(clock)
    for _ in range(2):
        with pytest.raises(RingCentralRateLimited):
            await rc.send(
                http, http.build_request("POST", "/c"), group=RateGroup.HEAVY, idempotent=False
            )
    assert len(seen) == 1
    clock.now += 600
    http, seen = scripted(ok)
    await rc.send(http, http.build_request("POST", "/c"), group=RateGroup.HEAVY, idempotent=False)
    assert len(seen) == 1
