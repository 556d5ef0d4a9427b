"""Call sessions and messages for the LLM-agent tests, built in one line each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.domain.call import Direction
from shared.domain.fsm import CallState
from shared.domain.session import CallSession, Message, Role
from shared.domain.trip import Driver, Trip

# Tuesday 24 November 2026, 10:15 in Mexico City
CALL_TIME = dt.datetime(2026, 11, 24, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=-6)))
JUAN = Driver(driver_id="D-1001", name="Juan Pérez", phone="+528112345678")
TRIP = Trip(
    trip_id="T-5001",
    driver_id="D-1001",
    origin="Monterrey, N.L.",
    destination="Guadalajara, Jal.",
    date=dt.date(2026, 11, 22),
)


def driver(text: str) -> Message:
    return Message(role=Role.DRIVER, text=text)


def karla(text: str, *, interrupted: bool = False) -> Message:
    return Message(role=Role.KARLA, text=text, interrupted=interrupted)


def tool(
    name: str,
    args: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
    call_id: str = "toolu_1",
) -> Message:
    return Message(
        role=Role.TOOL,
        tool_call_id=call_id,
        tool_name=name,
        tool_args=args or {},
        tool_result=result if result is not None else {"ok": True},
    )


def session(
    *messages: Message,
    state: CallState = CallState.GREETING,
    direction: Direction = Direction.OUTBOUND,
    trip: Trip | None = TRIP,
    others: list[Trip] | None = None,
) -> CallSession:
    return CallSession(
        call_id="call-test",
        direction=direction,
        driver=JUAN,
        trip_id=trip.trip_id if trip else None,
        trip_on_file=trip,
        other_open_trips=others or [],
        state=state,
        call_time=CALL_TIME,
        messages=list(messages),
    )
