"""Reading the dev stack the way a person would: its HTTP endpoints, waited on, not timed."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx

from devstack.dev_stack import DevStack
from devstack.dev_urls import CLOCK_PATH

MX = ZoneInfo("America/Mexico_City")
FINAL = ("completed", "unreachable", "failed")
SAFETY_NET_SECONDS = 60.0  # a call is real-time audio; against a hang, not a measurement
_POLL_SECONDS = 0.05

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T | None]], within: float = SAFETY_NET_SECONDS
) -> T:
    """The first truthy answer of `check`, asked again until it comes."""

    async def poll() -> T:
        while True:
            found = await check()
            if found:
                return found
            await asyncio.sleep(_POLL_SECONDS)

    return await asyncio.wait_for(poll(), within)


async def trigger(
    api: httpx.AsyncClient, driver_id: str, trip_id: str, phone: str, key: str | None = None
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return await api.post(
        "/api/calls",
        json={"driver_id": driver_id, "trip_id": trip_id, "phone": phone},
        headers=headers,
    )


async def call_detail(api: httpx.AsyncClient, call_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/calls/{call_id}")
    response.raise_for_status()
    detail: dict[str, Any] = response.json()
    return detail


async def until_status(
    api: httpx.AsyncClient, call_id: str, *statuses: str, attempts: int | None = None
) -> dict[str, Any]:
    """The call once it has one of `statuses` (and `attempts` tries, if given)."""

    async def reached() -> dict[str, Any] | None:
        call = await call_detail(api, call_id)
        done = call["status"] in statuses and attempts in (None, call["attempts"])
        return call if done else None

    return await eventually(reached)


async def until_final(api: httpx.AsyncClient, call_id: str) -> dict[str, Any]:
    return await until_status(api, call_id, *FINAL)


async def move_clock(dev: DevStack, **body: str) -> dict[str, Any]:
    """Advance (`advance="30m"`) or jump (`to=iso`) the clock; the schedules run before
    the answer comes back."""
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(dev.urls.gateway + CLOCK_PATH, json=body)
    response.raise_for_status()
    moved: dict[str, Any] = response.json()
    return moved


async def emulator(dev: DevStack, what: str) -> list[dict[str, Any]]:
    """What the RingCentral emulator did: `calls`, `transfers`, `hangups` or `requests`."""
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{dev.urls.emulator}/_emulator/{what}")
    response.raise_for_status()
    records: list[dict[str, Any]] = response.json()
    return records


async def dialled(dev: DevStack, phone: str) -> list[dict[str, Any]]:
    """The call-outs the emulator placed to `phone`."""
    calls = await emulator(dev, "calls")
    return [c for c in calls if c["direction"] == "Outbound" and c["to_number"] == phone]


async def trip(dev: DevStack, trip_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{dev.urls.client_mock}/trips/{trip_id}")
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


def clock_now(moved: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(moved["now"])
