"""Whole calls as audio, from the client's trigger (or the driver's ring) to the audit
and /metrics.

trigger -> SQS -> dispatcher Lambda -> RingCentral emulator dials -> webhook Lambda ->
bridge leg takes the media token -> media WebSocket -> conversation -> tools write to the
client-system mock -> audit in Postgres. Four calls run side by side, as on a phone
network: a confirmation, a correction, a transfer to a person, and a driver calling in.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from devstack.dev_stack import DevStack
from tests.integration.e2e.support import (
    call_detail,
    dialled,
    emulator,
    eventually,
    trigger,
    trip,
    until_final,
)

CONFIRM = ("D-9001", "T-9001", "+528112345678")
UPDATE = ("D-9002", "T-9002", "+523141234567")
TRANSFER = ("D-9003", "T-9003", "+528181234567")
CALLER = "+527221234567"  # D-9004, trip T-9004 pending since yesterday


@pytest.fixture(scope="module")
async def played(dev: DevStack, api: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """The four calls, placed at once and played to their end."""

    async def outbound(driver_id: str, trip_id: str, phone: str) -> dict[str, Any]:
        response = await trigger(api, driver_id, trip_id, phone, key=f"e2e-{trip_id}")
        assert response.status_code == 202, response.text
        return await until_final(api, response.json()["call_id"])

    async def inbound() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=10) as http:
            rung = await http.post(f"{dev.urls.emulator}/_emulator/inbound", json={"from": CALLER})
        assert rung.status_code == 201, rung.text

        async def recorded() -> str | None:
            calls = (await api.get("/api/calls", params={"driver_id": "D-9004"})).json()
            return next((c["call_id"] for c in calls["items"] if c["direction"] == "inbound"), None)

        return await until_final(api, await eventually(recorded))

    before = (await api.get("/metrics")).text
    confirm, update, transfer, called_in = await asyncio.gather(
        outbound(*CONFIRM), outbound(*UPDATE), outbound(*TRANSFER), inbound()
    )
    metrics = {"before": before, "after": (await api.get("/metrics")).text}
    return {
        "confirm": confirm,
        "update": update,
        "transfer": transfer,
        "inbound": called_in,
        "metrics": metrics,
    }


async def test_a_triggered_call_confirms_the_trip_and_leaves_the_whole_audit(
    dev: DevStack, played: dict[str, dict[str, Any]]
) -> None:
    call = played["confirm"]
    assert (call["status"], call["outcome"], call["direction"]) == (
        "completed",
        "confirmed",
        "outbound",
    ), heard(call)
    assert (await trip(dev, "T-9001"))["status"] == "validated"
    assert [(t["tool"], t["readiness"]) for t in call["tool_calls"]] == [("validar_viaje", "ready")]
    said = [turn["text"] for turn in call["transcript"] if turn["speaker"] == "driver"]
    assert [line for line in said if line] == [
        "¿Bueno?",
        "Sí, soy yo.",
        "Sí, así es, todo correcto.",
    ]
    karla = [turn["text"] for turn in call["transcript"] if turn["speaker"] == "karla"]
    assert "Juan Pérez" in karla[0]

    # One dial, through the emulator, recorded as the call's one answered attempt.
    (session,) = await dialled(dev, CONFIRM[2])
    async with dev.local.pool.acquire() as conn:
        attempts = await conn.fetch(
            "SELECT result, telephony_session_id FROM attempts WHERE call_id = $1",
            call["call_id"],
        )
        turns = await conn.fetchval(
            "SELECT count(*) FROM turns WHERE call_id = $1", call["call_id"]
        )
        tools = await conn.fetch(
            "SELECT tool, client_request_id FROM tool_calls WHERE call_id = $1", call["call_id"]
        )
    assert [(a["result"], a["telephony_session_id"]) for a in attempts] == [
        ("answered", session["telephony_session_id"])
    ]
    assert turns == len(call["transcript"])
    assert [t["tool"] for t in tools] == ["validar_viaje"] and tools[0]["client_request_id"]
    assert call["usage"]["tts_characters"] > 0 and call["cost_usd"] is not None


async def test_a_correction_updates_the_trip_in_the_client_system(
    dev: DevStack, played: dict[str, dict[str, Any]]
) -> None:
    call = played["update"]
    assert (call["status"], call["outcome"]) == ("completed", "updated"), heard(call)
    after = await trip(dev, "T-9002")
    assert (after["origin"], after["destination"]) == ("Manzanillo, Col.", "Aguascalientes, Ags.")
    assert [t["tool"] for t in call["tool_calls"]] == ["actualizar_viaje"]


async def test_a_transfer_hands_the_driver_to_the_human_agent_with_the_briefing(
    dev: DevStack, played: dict[str, dict[str, Any]]
) -> None:
    call = played["transfer"]
    assert (call["status"], call["outcome"]) == ("completed", "transferred"), heard(call)
    assert call["outcome_reason"] == "transferida: solicitud"
    assert [(t["tool"], t["readiness"]) for t in call["tool_calls"]] == [
        ("transferir_a_humano", "ready")
    ]
    (dial,) = await dialled(dev, TRANSFER[2])
    (taken,) = [t for t in await emulator(dev, "transfers") if t["driver_number"] == TRANSFER[2]]
    assert taken["how"] == "transfer"
    assert taken["telephony_session_id"] == dial["telephony_session_id"]
    assert taken["target"] == {"extensionNumber": dev.settings.ringcentral_transfer_target}
    briefing = taken["briefing"]
    assert (briefing["call_id"], briefing["driver_id"], briefing["trip_id"]) == (
        call["call_id"],
        "D-9003",
        "T-9003",
    )
    assert briefing["reason"] == "solicitud" and "persona" in briefing["summary"]
    assert (await trip(dev, "T-9003"))["status"] == "pending"


async def test_a_known_driver_who_calls_in_confirms_his_open_trip(
    dev: DevStack, api: httpx.AsyncClient, played: dict[str, dict[str, Any]]
) -> None:
    call = played["inbound"]
    assert (call["direction"], call["status"], call["outcome"]) == (
        "inbound",
        "completed",
        "confirmed",
    ), heard(call)
    assert (call["driver_id"], call["trip_id"], call["phone"]) == ("D-9004", "T-9004", CALLER)
    assert call["transcript"][0]["speaker"] == "karla"  # she answers the phone
    assert "Alfredo" in call["transcript"][0]["text"]
    assert (await trip(dev, "T-9004"))["status"] == "validated"
    detail = await call_detail(api, call["call_id"])
    assert [t["tool"] for t in detail["tool_calls"]] == ["validar_viaje"]


async def test_the_calls_show_in_the_metrics(played: dict[str, dict[str, Any]]) -> None:
    before, after = played["metrics"]["before"], played["metrics"]["after"]

    def moved(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert moved("karla_calls_finished_total", outcome="confirmed") == 2
    assert moved("karla_calls_finished_total", outcome="updated") == 1
    assert moved("karla_calls_finished_total", outcome="transferred") == 1
    assert moved("karla_tool_dispatch_total", tool="validar_viaje", readiness="ready") == 2
    assert moved("karla_http_requests_total", method="POST", route="/api/calls", status="202") == 3
    assert moved("karla_turns_total", speaker="karla") >= 12


def heard(call: dict[str, Any]) -> str:
    """The call as a person reads it, for a failure message."""
    lines = [f"{t['speaker']}: {t['text']}" for t in call["transcript"]]
    tools = [f"-> {t['tool']}({t['args']}) {t['readiness']}" for t in call["tool_calls"]]
    return "\n".join([f"{call['status']} / {call['outcome']}", *lines, *tools])


def metric(text: str, name: str, **labels: str) -> float:
    """A sample of the Prometheus text exposition (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.match(rf"^{name}(?:\{{(.*)\}})? (\S+)$", line)
        if match and ",".join(sorted((match.group(1) or "").split(","))) == wanted:
            return float(match.group(2))
    return 0.0
