"""`karla demo`: simulated calls end to end on the local stack, printed for a human.

Each call is triggered through the real HTTP API with a bearer token, queued, dispatched
(the dispatcher issues the call's media token) and answered by a scripted driver who talks
to the media server over Karla's media protocol on loopback, as audio in real time: VAD,
offline STT, turn-taking, barge-in, the agent with its tools (client mock over HTTP),
offline TTS and 20 ms pacing, with the Redis session and the Postgres audit. The calls run
side by side, as on a phone network; the demo then reads each result back through the API
and shows the trip before and after, and the media server's latency figures.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from pydantic import SecretStr

from shared.config import Settings
from shared.domain.trip import Driver
from shared.queue.local import RedisDispatchQueue

from .api_server import serving_api
from .local_dispatcher import LocalDispatcher, SimulatedPhones, running
from .media_link import serving_media, with_media_secret
from .stack import LocalStack, local_stack

DEMO_FILE = Path(__file__).with_name("demo_calls.yaml")
CALL_SECONDS = 180.0  # a call is real-time audio: allow it a few minutes
SHOWN_METRICS = (
    "karla_tool_dispatch_total",
    "karla_calls_finished_total",
    "karla_barge_ins_total",
    "karla_stt_latency_seconds_count",
    "karla_tts_first_byte_seconds_count",
)


@dataclass(frozen=True)
class DemoCall:
    title: str
    driver: Driver
    trip_id: str
    trip: dict[str, str] | None  # None: the client system does not have this leg
    says: list[str]


def load_demo_calls(today: dt.date, path: Path = DEMO_FILE) -> list[DemoCall]:
    calls = []
    for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["calls"]:
        trip: dict[str, str] | None = dict(raw["trip"])
        trip_id = raw["trip"]["trip_id"]
        if raw["trip"].get("missing"):
            trip = None
        else:
            assert trip is not None
            days_ago = int(trip.pop("days_ago"))
            trip["date"] = (today - dt.timedelta(days=days_ago)).isoformat()
            trip["driver_id"] = raw["driver"]["driver_id"]
            trip["status"] = "pending"
        calls.append(
            DemoCall(raw["title"], Driver(**raw["driver"]), trip_id, trip, list(raw["says"]))
        )
    return calls


async def run_demo(settings: Settings) -> int:
    token = settings.api_token.get_secret_value() or secrets.token_urlsafe(24)
    settings = with_media_secret(settings.model_copy(update={"api_token": SecretStr(token)}))
    async with local_stack(settings) as stack:
        today = stack.wall_clock()().date()
        calls = load_demo_calls(today)
        stack.mock.reset([call.trip for call in calls if call.trip is not None])
        phones = SimulatedPhones()
        for call in calls:
            phones.register(call.driver.phone, call.says)
        queue = RedisDispatchQueue(stack.redis, settings.redis_key_prefix)
        async with serving_media(stack) as line, serving_api(stack) as api_url:
            dispatcher = LocalDispatcher(stack, queue, phones, media=line)
            headers = {"Authorization": f"Bearer {token}"}
            async with (
                running(dispatcher),
                httpx.AsyncClient(base_url=api_url, headers=headers) as http,
            ):
                print(
                    f"Karla demo: API on {api_url}, media server on {line.urls[0]}, "
                    f"client-system mock on {stack.mock_url}\n"
                    "Llamadas en curso, en audio y en tiempo real...\n"
                )
                placed = [
                    (call, _trip(stack, call.trip_id), await _trigger(http, call)) for call in calls
                ]
                for call, before, call_id in placed:
                    await dispatcher.wait_for(call_id, within_seconds=CALL_SECONDS)
                    await _show_call(http, stack, call, call_id, before)
                await _summary(http, stack, [call_id for _, _, call_id in placed])
    return 0


async def _trigger(http: httpx.AsyncClient, call: DemoCall) -> str:
    response = await http.post(
        "/api/calls",
        json={
            "driver_id": call.driver.driver_id,
            "driver_name": call.driver.name,
            "trip_id": call.trip_id,
            "phone": call.driver.phone,
        },
        headers={"Idempotency-Key": f"demo-{call.trip_id}-{secrets.token_hex(4)}"},
    )
    response.raise_for_status()
    return str(response.json()["call_id"])


async def _show_call(
    http: httpx.AsyncClient,
    stack: LocalStack,
    call: DemoCall,
    call_id: str,
    before: dict[str, Any] | None,
) -> None:
    detail = (await http.get(f"/api/calls/{call_id}")).json()
    print(f"━━ {call.title} ━━ llamada {call_id}")
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
    after = _trip(stack, detail["trip_id"] or call.trip_id)
    print(f"   viaje después: {_show(after)}")
    print(f"   resultado: {detail['status']} / {detail['outcome']}\n")


async def _summary(http: httpx.AsyncClient, stack: LocalStack, call_ids: list[str]) -> None:
    async with stack.pool.acquire() as conn:
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


def _trip(stack: LocalStack, trip_id: str) -> dict[str, Any] | None:
    return next((t for t in stack.mock.trips if t["trip_id"] == trip_id), None)


def _show(trip: dict[str, Any] | None) -> str:
    if trip is None:
        return "(no existe)"
    return f"{trip['origin']} → {trip['destination']}, {trip['date']} [{trip['status']}]"


def _args(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())
