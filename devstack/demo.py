"""`karla demo`: simulated calls end to end on the dev stack, printed for a human.

It runs the very stack of `karla dev` (dev_stack) on free ports, with the demo's numbers
(demo_calls.yaml) and throw-away data (dev_scratch). Each call is triggered through the
real HTTP API with a bearer token, queued in SQS (moto), dialled by the dispatcher Lambda
handler through the RingCentral emulator, whose webhooks the call_events handler takes,
and answered by a scripted driver who talks to the media server over Karla's media
protocol on loopback, as audio in real time: VAD, offline STT, turn-taking, barge-in, the
agent with its tools (client mock over HTTP, transfers to the emulator's human agent),
offline TTS and 20 ms pacing, with the Redis session and the Postgres audit. The calls run
side by side, as on a phone network; the demo then reads each result back through the
API and shows the trip before and after, and the media server's latency figures.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any

import httpx

from shared.config import Settings

from .dev_numbers import DevNumber, load_dev_numbers
from .dev_scratch import scratch_stores
from .dev_stack import ANY_PORTS, DevStack, dev_stack

DEMO_FILE = Path(__file__).with_name("demo_calls.yaml")
CALL_SECONDS = 180.0  # a call is real-time audio: allow it a few minutes
_POLL_SECONDS = 0.25
FINAL = ("completed", "unreachable", "failed")
SHOWN_METRICS = (
    "karla_tool_dispatch_total",
    "karla_calls_finished_total",
    "karla_barge_ins_total",
    "karla_stt_latency_seconds_count",
    "karla_tts_first_byte_seconds_count",
)


async def run_demo(settings: Settings) -> int:
    numbers = load_dev_numbers(DEMO_FILE)
    async with (
        scratch_stores(settings, "demo") as scratch,
        dev_stack(
            scratch.applied(settings),
            numbers,
            ports=ANY_PORTS,
            tick_seconds=0,
            write_stack_file=False,
        ) as dev,
    ):
        headers = {"Authorization": f"Bearer {dev.urls.token}"}
        async with httpx.AsyncClient(base_url=dev.urls.api, headers=headers) as http:
            print(
                f"Karla demo: API on {dev.urls.api}, media server on {dev.urls.media}, "
                f"RingCentral emulator on {dev.urls.emulator}, "
                f"client-system mock on {dev.local.mock_url}\n"
                "Llamadas en curso, en audio y en tiempo real...\n"
            )
            placed = []
            for number in numbers.numbers:
                before = _trip(dev, _trip_id(number))
                placed.append((number, before, await _trigger(http, number)))
            for number, before, call_id in placed:
                await asyncio.wait_for(_final(http, call_id), CALL_SECONDS)
                await _show_call(http, dev, number, call_id, before)
            await _summary(http, dev, [call_id for _, _, call_id in placed])
    return 0


def _trip_id(number: DevNumber) -> str:
    assert number.trip is not None, f"demo call {number.does!r} names no trip"
    return number.trip.trip_id


async def _trigger(http: httpx.AsyncClient, number: DevNumber) -> str:
    response = await http.post(
        "/api/calls",
        json={
            "driver_id": number.driver.driver_id,
            "driver_name": number.driver.name,
            "trip_id": _trip_id(number),
            "phone": number.phone,
        },
        headers={"Idempotency-Key": f"demo-{_trip_id(number)}-{secrets.token_hex(4)}"},
    )
    response.raise_for_status()
    return str(response.json()["call_id"])


async def _final(http: httpx.AsyncClient, call_id: str) -> None:
    """Until the call has ended, as the client's system would see it through the API."""
    while True:
        if (await http.get(f"/api/calls/{call_id}")).json()["status"] in FINAL:
            return
        await asyncio.sleep(_POLL_SECONDS)


async def _show_call(
    http: httpx.AsyncClient,
    dev: DevStack,
    number: DevNumber,
    call_id: str,
    before: dict[str, Any] | None,
) -> None:
    detail = (await http.get(f"/api/calls/{call_id}")).json()
    print(f"━━ {number.does} ━━ llamada {call_id}")
    print(f"   viaje antes:   {_show(before)}")
    for turn in detail["transcript"]:
        who = "Karla " if turn["speaker"] == "karla" else "Chofer"
        cut = "  [interrumpida]" if turn["interrupted"] else ""
        print(f"   {who}: {turn['text'] or '(silencio)'}{cut}")
    for tool in detail["tool_calls"]:
        print(
            f"   → {tool['tool']}({_args(tool['args'])}) {tool['readiness']}"
            f" en {tool['latency_ms']:.1f} ms"
        )
    after = _trip(dev, detail["trip_id"] or _trip_id(number))
    print(f"   viaje después: {_show(after)}")
    print(f"   resultado: {detail['status']} / {detail['outcome']}\n")


async def _summary(http: httpx.AsyncClient, dev: DevStack, call_ids: list[str]) -> None:
    async with dev.local.pool.acquire() as conn:
        counts = await conn.fetchrow(
            """
            SELECT (SELECT count(*) FROM calls WHERE id = ANY($1::uuid[])) AS calls,
                   (SELECT count(*) FROM turns WHERE call_id = ANY($1::uuid[])) AS turns,
                   (SELECT count(*) FROM tool_calls WHERE call_id = ANY($1::uuid[])) AS tools,
                   (SELECT count(*) FROM attempts WHERE call_id = ANY($1::uuid[])) AS attempts
            """,
            call_ids,
        )
    assert counts is not None
    print(
        f"Auditoría en Postgres: {counts['calls']} llamadas, {counts['turns']} turnos, "
        f"{counts['tools']} llamadas a herramientas, {counts['attempts']} intentos."
    )
    metrics = (await http.get("/metrics")).text
    print("Métricas (/metrics):")
    for line in metrics.splitlines():
        if line.startswith(SHOWN_METRICS):
            print(f"   {line}")
    count, total = (
        _sample(metrics, "karla_voice_to_voice_seconds_count"),
        _sample(metrics, "karla_voice_to_voice_seconds_sum"),
    )
    if count:
        print(
            f"Voz a voz (fin del habla del chofer -> primer audio de Karla, VAD incluido): "
            f"{total / count * 1000:.0f} ms de promedio en {count:.0f} turnos."
        )


def _sample(metrics: str, name: str) -> float:
    return sum(float(line.split()[-1]) for line in metrics.splitlines() if line.startswith(name))


def _trip(dev: DevStack, trip_id: str) -> dict[str, Any] | None:
    return next((t for t in dev.local.mock.trips if t["trip_id"] == trip_id), None)


def _show(trip: dict[str, Any] | None) -> str:
    if trip is None:
        return "(no existe)"
    return f"{trip['origin']} → {trip['destination']}, {trip['date']} [{trip['status']}]"


def _args(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())
