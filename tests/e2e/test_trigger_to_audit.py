"""End to end over real sockets: POST /api/calls -> queue -> call -> client system -> audit.

The same wiring `karla demo` uses: the trigger API on uvicorn, the dispatch queue in
Redis, the local dispatcher dialling a scripted driver, the conversation path, the client
mock over HTTP, Postgres, and /metrics read back through the API.
"""

from __future__ import annotations

import re

import httpx
import pytest

from devstack.api_server import serving_api
from devstack.local_dispatcher import LocalDispatcher, SimulatedPhones, running
from shared.queue.local import RedisDispatchQueue

TOKEN = "test-token-0123456789"


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


@pytest.fixture
async def api(stack):
    phones = SimulatedPhones()
    dispatcher = LocalDispatcher(
        stack, RedisDispatchQueue(stack.redis, stack.settings.redis_key_prefix), phones
    )
    async with (
        running(dispatcher),
        serving_api(stack) as url,
        httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as client,
    ):
        yield client, dispatcher, phones


async def test_a_triggered_call_confirms_the_trip_and_shows_in_audit_and_metrics(stack, api):
    client, dispatcher, phones = api
    stack.mock.reset(
        [
            {
                "trip_id": "T-8001",
                "driver_id": "D-8001",
                "origin": "Monterrey, N.L.",
                "destination": "Guadalajara, Jal.",
                "date": "2026-11-23",
                "status": "pending",
            }
        ]
    )
    phones.register("+528112345678", ["¿Bueno?", "Sí, soy yo.", "Sí, así es, todo correcto."])
    metrics_before = (await client.get("/metrics")).text

    response = await client.post(
        "/api/calls",
        json={
            "driver_id": "D-8001",
            "trip_id": "T-8001",
            "phone": "81 1234 5678",
            "driver_name": "Juan Pérez",
        },
        headers={"Idempotency-Key": "e2e-confirm-1"},
    )
    assert response.status_code == 202
    call_id = response.json()["call_id"]
    played = await dispatcher.wait_for(call_id)
    assert played is not None

    # The client system: the pinned trip is validated.
    (trip,) = stack.mock.trips
    assert trip["status"] == "validated"

    # The audit, read back through the API.
    detail = (await client.get(f"/api/calls/{call_id}")).json()
    assert (detail["status"], detail["outcome"]) == ("completed", "confirmed")
    assert [t["speaker"] for t in detail["transcript"]] == ["driver", "karla"] * 3
    assert "Juan Pérez" in detail["transcript"][1]["text"]
    assert [(t["tool"], t["readiness"]) for t in detail["tool_calls"]] == [
        ("validar_viaje", "ready")
    ]
    assert [a.result for a in await stack.audit.attempts.list(call_id)] == ["answered"]

    # The same trigger again is the same call, and nothing is dialled twice.
    again = await client.post(
        "/api/calls",
        json={
            "driver_id": "D-8001",
            "trip_id": "T-8001",
            "phone": "81 1234 5678",
            "driver_name": "Juan Pérez",
        },
        headers={"Idempotency-Key": "e2e-confirm-1"},
    )
    assert again.status_code == 200
    assert again.json()["call_id"] == call_id

    # Metrics moved with the call.
    after = (await client.get("/metrics")).text
    for name, labels in [
        ("karla_tool_dispatch_total", {"tool": "validar_viaje", "readiness": "ready"}),
        ("karla_calls_finished_total", {"outcome": "confirmed"}),
        ("karla_http_requests_total", {"method": "POST", "route": "/api/calls", "status": "202"}),
    ]:
        assert metric(after, name, **labels) == metric(metrics_before, name, **labels) + 1
    assert metric(after, "karla_turns_total", speaker="karla") >= 3


async def test_a_number_that_does_not_answer_is_recorded_as_such(stack, api):
    client, dispatcher, _ = api
    stack.mock.reset([])
    response = await client.post(
        "/api/calls", json={"driver_id": "D-8002", "trip_id": "T-8002", "phone": "55 1234 5678"}
    )
    call_id = response.json()["call_id"]
    assert await dispatcher.wait_for(call_id) is None
    detail = (await client.get(f"/api/calls/{call_id}")).json()
    assert detail["status"] == "unreachable"
    assert [a.result for a in await stack.audit.attempts.list(call_id)] == ["no_answer"]
