"""A whole call as text through the real path: session, agent, tools, client mock, audit."""

from __future__ import annotations

import uuid

import pytest

from devstack.eval.scenario import DriverLine
from devstack.stack import shifted_clock
from devstack.text_calls import run_text_call
from shared.calls.lifecycle import CallParty
from shared.domain.call import CallStatus, Direction
from shared.domain.fsm import CallState
from shared.domain.trip import Driver

from .helpers import CALL_TIME, mock_trip, mock_writes, trip

JUAN = Driver(driver_id="D-1001", name="Juan Pérez", phone="+528112345678")


async def place(stack, driver, trip_id, lines, direction=Direction.OUTBOUND):
    call_id = str(uuid.uuid4())
    await stack.audit.drivers.upsert(driver.driver_id, driver.phone, driver.name)
    await stack.audit.calls.create(
        call_id, driver.driver_id, trip_id, driver.phone, direction.value, CallStatus.QUEUED
    )
    result = await run_text_call(
        stack,
        call_id,
        CallParty(driver, direction),
        trip_id,
        [DriverLine.parse(line) for line in lines],
        shifted_clock(CALL_TIME),
    )
    return call_id, result


@pytest.fixture
def seeded(stack):
    stack.mock.reset(
        [
            trip("T-5001", "D-1001", "Monterrey, N.L.", "Guadalajara, Jal.", "2026-11-23"),
            trip("T-5002", "D-1001", "Guadalajara, Jal.", "Colima, Col.", "2026-11-24"),
        ]
    )
    return stack


async def test_plain_confirmation_validates_the_trip_and_audits_everything(seeded):
    stack = seeded
    call_id, result = await place(
        stack, JUAN, "T-5001", ["¿Bueno?", "Sí, soy yo.", "Sí, así es, todo correcto."]
    )

    assert result.outcome == "confirmed"
    assert mock_trip(stack, "T-5001")["status"] == "validated"
    assert mock_trip(stack, "T-5002")["status"] == "pending"
    record = await stack.audit.calls.get(call_id)
    assert (record.status, record.outcome) == ("completed", "confirmed")
    assert record.ended_at is not None and record.cost_usd is not None
    turns = await stack.audit.turns.list(call_id)
    assert [t.speaker for t in turns] == ["driver", "karla"] * 3
    assert "Juan Pérez" in turns[1].text
    assert "Monterrey" in turns[3].text and "Guadalajara" in turns[3].text
    (tool,) = await stack.audit.tool_calls.list(call_id)
    assert (tool.tool, tool.readiness) == ("validar_viaje", "ready")
    session = await stack.sessions.get(call_id)
    assert session.state is CallState.ENDED


async def test_every_karla_turn_has_at_most_two_sentences(seeded):
    from shared.domain.sentences import count_sentences

    call_id, _ = await place(
        seeded, JUAN, "T-5001", ["¿Bueno?", "Sí, soy yo.", "Sí, así es, todo correcto."]
    )
    karla = [t.text for t in await seeded.audit.turns.list(call_id) if t.speaker == "karla"]
    assert karla
    assert all(count_sentences(text) <= 2 for text in karla)


async def test_wrong_person_ends_without_touching_the_trip(seeded):
    call_id, result = await place(
        seeded, JUAN, "T-5001", ["¿Bueno?", "No, aquí no vive ningún Juan, está equivocada."]
    )
    assert result.outcome == "ended_without_change"
    assert mock_writes(seeded) == []
    record = await seeded.audit.calls.get(call_id)
    assert record.outcome_reason == "wrong_person"


async def test_request_for_a_person_transfers_the_live_call(seeded):
    call_id, result = await place(
        seeded, JUAN, "T-5001", ["¿Bueno?", "Sí.", "Oye, mejor pásame con una persona, ¿no?"]
    )
    assert result.outcome == "transferred"
    assert [t.call_id for t in seeded.handoff.transfers] == [call_id]
    assert mock_writes(seeded) == []
    record = await seeded.audit.calls.get(call_id)
    assert record.outcome_reason == "transferida: solicitud"


async def test_silence_gets_one_reprompt_then_a_goodbye(seeded):
    call_id, result = await place(seeded, JUAN, "T-5001", ["[silencio]"])
    assert result.outcome == "ended_without_change"
    karla = [t.text for t in await seeded.audit.turns.list(call_id) if t.speaker == "karla"]
    assert len(karla) == 2
    assert mock_writes(seeded) == []


async def test_barge_in_keeps_only_what_the_driver_heard(seeded):
    call_id, _ = await place(
        seeded,
        JUAN,
        "T-5001",
        ["¿Bueno?", "Sí, soy yo.", "[interrumpe] Sí, todo bien.", "Sí, así es."],
    )
    session = await seeded.sessions.get(call_id)
    cut = [m for m in session.messages if m.interrupted]
    assert len(cut) == 1
    assert cut[0].text.startswith("Le llamo para confirmar")
    assert "¿Es correcto?" not in cut[0].text


async def test_a_resumed_turn_does_not_write_twice(seeded):
    """Replaying the confirming turn (a process died before the reply) reuses the write."""
    stack = seeded
    call_id, _ = await place(
        stack, JUAN, "T-5001", ["¿Bueno?", "Sí, soy yo.", "Sí, así es, todo correcto."]
    )
    writes = mock_writes(stack)
    assert len(writes) == 1
    # Another process re-dispatches the same validation for the same call.
    session = await stack.sessions.get(call_id)
    replay = session.model_copy(update={"state": CallState.VALIDATING})
    from shared.tools.dispatcher import ToolCall

    await stack.dispatcher.dispatch(replay, ToolCall("again", "validar_viaje", {}))
    after = mock_writes(stack)
    assert len(after) == 2
    assert after[1]["replayed"] is True


class EndlessAgent:
    """An agent that never concludes: only the conversation's guard can end the call."""

    name = "endless"

    async def respond(self, session):
        from media_server.pipeline.agent import TextDelta

        yield TextDelta("¿Me repite, por favor?")


async def test_a_call_that_goes_nowhere_is_handed_to_a_person(stack, settings):
    """Whatever the agent does, a call is not kept on the line forever."""
    stack.mock.reset(
        [trip("T-5001", "D-1001", "Monterrey, N.L.", "Guadalajara, Jal.", "2026-11-23")]
    )
    stack.settings = settings.model_copy(update={"max_turns_per_call": 4})
    stack.agent = EndlessAgent()
    call_id, result = await place(stack, JUAN, "T-5001", ["¿Bueno?"] + ["Mmm..."] * 10)
    assert result.outcome == "transferred"
    driver_turns = [t for t in await stack.audit.turns.list(call_id) if t.speaker == "driver"]
    assert len(driver_turns) == 5
    assert [t.call_id for t in stack.handoff.transfers] == [call_id]
    assert mock_writes(stack) == []
