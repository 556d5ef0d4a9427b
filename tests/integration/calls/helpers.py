"""Building calls for integration tests: a trip in the client mock, a call row, a session."""

from __future__ import annotations

import datetime as dt
import uuid

from devstack.stack import LocalStack
from shared.calls.lifecycle import CallParty
from shared.domain.call import CallStatus, Direction
from shared.domain.session import CallSession
from shared.domain.trip import Driver

CALL_TIME = dt.datetime(2026, 11, 24, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=-6)))


def trip(trip_id: str, driver_id: str, origin: str, destination: str, date: str) -> dict:
    return {
        "trip_id": trip_id,
        "driver_id": driver_id,
        "origin": origin,
        "destination": destination,
        "date": date,
        "status": "pending",
    }


async def open_call(
    stack: LocalStack,
    driver: Driver,
    trip_id: str | None,
    direction: Direction = Direction.OUTBOUND,
) -> CallSession:
    call_id = str(uuid.uuid4())
    await stack.audit.drivers.upsert(driver.driver_id, driver.phone, driver.name)
    await stack.audit.calls.create(
        call_id, driver.driver_id, trip_id, driver.phone, direction.value, CallStatus.QUEUED
    )
    return await stack.lifecycle.open_session(
        call_id, CallParty(driver, direction), trip_id, CALL_TIME
    )


def mock_trip(stack: LocalStack, trip_id: str) -> dict | None:
    return next((t for t in stack.mock.trips if t["trip_id"] == trip_id), None)


def mock_writes(stack: LocalStack) -> list[dict]:
    """The PUT/POST requests the client system received (reads excluded)."""
    return [r for r in stack.mock.requests if r["method"] in ("PUT", "POST")]
