"""ToolDispatcher against the real client mock, Redis and Postgres: pinning first."""

from __future__ import annotations

import pytest

from shared.domain.fsm import CallState
from shared.domain.trip import Driver
from shared.observability.metrics import REGISTRY
from shared.tools.dispatcher import ToolCall

from .helpers import mock_trip, mock_writes, open_call, trip

DRIVER = Driver(driver_id="D-2001", name="Samuel Ríos", phone="+528441112233")


@pytest.fixture
async def call(stack):
    stack.mock.reset(
        [
            trip("T-6001", "D-2001", "Monterrey, N.L.", "Saltillo, Coah.", "2026-11-23"),
            trip("T-6002", "D-2001", "Saltillo, Coah.", "Torreón, Coah.", "2026-11-24"),
            trip("T-999", "D-9999", "Mérida, Yuc.", "Cancún, Q.R.", "2026-11-23"),
        ]
    )
    session = await open_call(stack, DRIVER, "T-6001")
    return session.model_copy(update={"state": CallState.VALIDATING})


def dispatched(tool: str, readiness: str) -> float:
    value = REGISTRY.get_sample_value(
        "karla_tool_dispatch_total", {"tool": tool, "readiness": readiness}
    )
    return value or 0.0


async def test_a_model_aiming_at_another_trip_changes_nothing_but_is_refused(stack, call):
    before = [dict(t) for t in stack.mock.trips]
    refused_before = dispatched("actualizar_viaje", "refused")

    outcome = await stack.dispatcher.dispatch(
        call,
        ToolCall("tc-1", "actualizar_viaje", {"trip_id": "T-999", "destino": "Cancún, Q.R."}),
    )

    assert outcome.readiness == "refused"
    assert outcome.result["error"] == "viaje_no_permitido"
    assert stack.mock.trips == before
    assert mock_writes(stack) == []  # nothing reached the client system
    assert dispatched("actualizar_viaje", "refused") == refused_before + 1
    audited = await stack.audit.tool_calls.list(call.call_id)
    assert [(a.tool, a.readiness) for a in audited] == [("actualizar_viaje", "refused")]


async def test_the_pinned_trip_is_written_even_when_the_model_repeats_its_id(stack, call):
    outcome = await stack.dispatcher.dispatch(
        call, ToolCall("tc-2", "actualizar_viaje", {"trip_id": "T-6001", "destino": "Torreón"})
    )
    assert outcome.readiness == "ready"
    assert mock_trip(stack, "T-6001")["destination"] == "Torreón"
    assert mock_trip(stack, "T-6002")["destination"] == "Torreón, Coah."  # untouched
    assert outcome.session.state is CallState.CLOSING
    assert outcome.session.outcome == "updated"


async def test_validation_marks_the_trip_and_records_the_client_request_id(stack, call):
    outcome = await stack.dispatcher.dispatch(call, ToolCall("tc-3", "validar_viaje", {}))
    assert outcome.readiness == "ready"
    assert mock_trip(stack, "T-6001")["status"] == "validated"
    (audited,) = await stack.audit.tool_calls.list(call.call_id)
    assert audited.client_request_id == mock_writes(stack)[0]["request_id"]
    assert audited.latency_ms >= 0


async def test_a_retried_write_replays_instead_of_writing_twice(stack, call):
    first = await stack.dispatcher.dispatch(call, ToolCall("tc-4", "validar_viaje", {}))
    again = await stack.dispatcher.dispatch(call, ToolCall("tc-4b", "validar_viaje", {}))
    assert first.readiness == again.readiness == "ready"
    writes = mock_writes(stack)
    assert len(writes) == 2
    assert writes[1]["replayed"] is True
    assert writes[0]["idempotency_key"] == writes[1]["idempotency_key"]


async def test_tools_the_state_does_not_allow_are_refused(stack, call):
    greeting = call.model_copy(update={"state": CallState.GREETING})
    outcome = await stack.dispatcher.dispatch(greeting, ToolCall("tc-5", "validar_viaje", {}))
    assert outcome.readiness == "refused"
    assert outcome.result["error"] == "no_permitido_en_este_paso"
    assert mock_trip(stack, "T-6001")["status"] == "pending"


@pytest.mark.parametrize(
    "arguments",
    [{}, {"fecha": "ayer"}, {"destino": "1234"}, {"destino": "x" * 200}, {"fecha": "2031-01-01"}],
)
async def test_bad_arguments_are_refused_before_any_write(stack, call, arguments):
    outcome = await stack.dispatcher.dispatch(call, ToolCall("tc-6", "actualizar_viaje", arguments))
    assert outcome.readiness == "refused"
    assert outcome.result["error"] == "argumentos_invalidos"
    assert mock_writes(stack) == []


async def test_unknown_tools_are_refused(stack, call):
    outcome = await stack.dispatcher.dispatch(call, ToolCall("tc-7", "borrar_viaje", {}))
    assert outcome.readiness == "refused"


async def test_create_pins_the_new_trip_for_the_rest_of_the_call(stack):
    session = await open_call(stack, DRIVER, "T-missing")
    assert session.trip_id is None and session.trip_on_file is None
    creating = session.model_copy(update={"state": CallState.CREATING})
    outcome = await stack.dispatcher.dispatch(
        creating,
        ToolCall(
            "tc-8",
            "crear_viaje",
            {"origen": "Saltillo, Coah.", "destino": "Monterrey, N.L.", "fecha": "2026-11-23"},
        ),
    )
    assert outcome.readiness == "ready"
    created = mock_trip(stack, outcome.session.trip_id)
    assert created["driver_id"] == "D-2001"
    assert created["origin"] == "Saltillo, Coah."


async def test_client_outage_fails_the_tool_and_tells_the_model_to_transfer(stack, call):
    import httpx

    async with httpx.AsyncClient() as http:
        await http.post(f"{stack.mock_url}/_mock/faults", json={"status": 503, "count": 10})
    failed_before = dispatched("validar_viaje", "failed")
    outcome = await stack.dispatcher.dispatch(call, ToolCall("tc-9", "validar_viaje", {}))
    assert outcome.readiness == "failed"
    assert outcome.result["error"] == "sistema_no_disponible"
    assert outcome.session.state is CallState.VALIDATING
    assert dispatched("validar_viaje", "failed") == failed_before + 1
