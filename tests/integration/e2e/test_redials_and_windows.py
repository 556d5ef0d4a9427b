"""Time-driven calls on the dev clock: three unanswered tries 30 minutes apart, and a
trigger that waits for the calling window. The clock moves only through the stack's
endpoint, which runs the schedules (window open/close, sweep) before it answers."""

from __future__ import annotations

import datetime as dt

import httpx

from devstack.dev_stack import DevStack
from tests.integration.e2e.support import (
    MX,
    clock_now,
    dialled,
    move_clock,
    trigger,
    until_status,
)


async def test_no_answer_three_times_30_minutes_apart_makes_the_call_unreachable(
    dev: DevStack, api: httpx.AsyncClient
) -> None:
    phone = "+528441234567"
    response = await trigger(api, "D-9005", "T-9005", phone)
    call_id = response.json()["call_id"]
    dues = []
    for attempt in (1, 2):
        waiting = await until_status(api, call_id, "retry_scheduled", attempts=attempt)
        dues.append(dt.datetime.fromisoformat(waiting["next_attempt_at"]))
        assert len(await dialled(dev, phone)) == attempt  # nothing rings before it is due
        await move_clock(dev, to=waiting["next_attempt_at"])

    call = await until_status(api, call_id, "unreachable")
    assert (call["outcome"], call["attempts"]) == ("unreachable", 3)
    assert call["outcome_reason"] == "no contestó 3 veces"
    assert dues[1] - dues[0] >= dt.timedelta(minutes=30)
    assert len(await dialled(dev, phone)) == 3
    async with dev.local.pool.acquire() as conn:
        results = await conn.fetch(
            "SELECT result FROM attempts WHERE call_id = $1 ORDER BY attempt_no", call_id
        )
    assert [r["result"] for r in results] == ["no_answer"] * 3


async def test_a_call_triggered_after_hours_is_dialled_when_the_window_opens(
    dev: DevStack, api: httpx.AsyncClient
) -> None:
    phone = "+526621234567"  # busy: one dial, then a redial the next morning
    evening = _next(clock_now(await move_clock(dev)), dt.time(20, 30))
    await move_clock(dev, to=evening.isoformat())

    response = await trigger(api, "D-9007", "T-9007", phone)
    call_id = response.json()["call_id"]
    waiting = await until_status(api, call_id, "waiting_window")
    opens = dt.datetime.fromisoformat(waiting["next_attempt_at"]).astimezone(MX)
    assert (opens.date(), opens.time()) == (evening.date() + dt.timedelta(days=1), dt.time(8, 0))
    assert await dialled(dev, phone) == []

    moved = await move_clock(dev, to=opens.isoformat())
    assert moved["schedules"]["open_window"] == {"released": 1}
    await until_status(api, call_id, "retry_scheduled", attempts=1)
    assert len(await dialled(dev, phone)) == 1


def _next(now: dt.datetime, local_time: dt.time) -> dt.datetime:
    local = now.astimezone(MX)
    at = dt.datetime.combine(local.date(), local_time, tzinfo=MX)
    return at if at > local else at + dt.timedelta(days=1)
