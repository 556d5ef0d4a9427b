"""The offline agent continues calls it did not start (an LLM handed over mid-call)."""

from __future__ import annotations

import datetime as dt

from media_server.pipeline.agent import TextDelta, ToolRequest
from media_server.providers.llm.offline import OfflineAgent
from shared.domain.call import Direction
from shared.domain.fsm import CallState
from shared.domain.session import CallSession, Message, Role
from shared.domain.trip import Driver

NOW = dt.datetime(2026, 11, 24, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=-6)))


def session(state: CallState, *lines: tuple[Role, str]) -> CallSession:
    return CallSession(
        call_id="c-1",
        direction=Direction.OUTBOUND,
        driver=Driver(driver_id="D-1", name="Jorge Treviño", phone="+528441234567"),
        trip_id=None,
        state=state,
        call_time=NOW,
        messages=[Message(role=role, text=text) for role, text in lines],
    )


async def events_of(call: CallSession) -> list:
    return [event async for event in OfflineAgent().respond(call)]


async def test_validating_without_a_trip_collects_a_new_one():
    call = session(
        CallState.VALIDATING,
        (Role.KARLA, "¿Me dice su viaje?"),
        (Role.DRIVER, "Salí de Saltillo a Monterrey ayer."),
    )
    texts = [e.text for e in await events_of(call) if isinstance(e, TextDelta)]
    assert texts == ["Entonces lo registro de Saltillo a Monterrey, ayer lunes 23. ¿Es correcto?"]


async def test_a_read_back_yes_after_handover_creates_the_trip():
    first = session(
        CallState.CREATING,
        (Role.KARLA, "¿De dónde salió?"),
        (Role.DRIVER, "De Saltillo a Monterrey, ayer."),
    )
    events = await events_of(first)
    memory = next(e for e in events if hasattr(e, "values")).values
    second = first.model_copy(
        update={
            "agent_memory": memory,
            "messages": [
                *first.messages,
                Message(role=Role.KARLA, text="Entonces lo registro..."),
                Message(role=Role.DRIVER, text="Sí, correcto."),
            ],
        }
    )
    (request,) = [e for e in await events_of(second) if isinstance(e, ToolRequest)]
    assert request.call.name == "crear_viaje"
    assert request.call.arguments == {
        "origen": "Saltillo, Coah.",
        "destino": "Monterrey, N.L.",
        "fecha": "2026-11-23",
    }
