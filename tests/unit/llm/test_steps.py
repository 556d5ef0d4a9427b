"""Steps decided by rules for every agent: identity, no trip on file, and the end of the call."""

from __future__ import annotations

import pytest

from media_server.pipeline.agent import EndCall, StateHint
from media_server.providers.llm.steps import before_reply, end_of_call
from shared.domain.call import Direction
from shared.domain.fsm import CallEvent, CallState

from .factories import driver, karla, session, tool


def hints(s) -> list[CallEvent]:
    return [hint.event for hint in before_reply(s).hints]


def test_outbound_yes_after_karla_asked_confirms_identity():
    s = session(driver("¿Bueno?"), karla("¿Hablo con Juan Pérez?"), driver("Sí, soy yo."))

    step = before_reply(s)

    assert step.hints == (StateHint(CallEvent.IDENTITY_CONFIRMED),)
    assert step.session.state is CallState.VALIDATING
    assert s.state is CallState.GREETING  # the caller's session is not changed


@pytest.mark.parametrize(
    "messages",
    [
        [driver("Sí, bueno")],  # Karla has not asked yet
        [driver("¿Bueno?"), karla("¿Hablo con Juan Pérez?"), driver("¿Quién habla?")],
        [driver("¿Bueno?"), karla("¿Hablo con Juan Pérez?"), driver("No, número equivocado")],
        [driver("¿Bueno?"), karla("¿Hablo con Juan?"), driver("Sí"), tool("transferir_a_humano")],
    ],
)
def test_no_hint_without_a_yes_to_karla(messages):
    assert hints(session(*messages)) == []


def test_nothing_is_hinted_past_the_greeting():
    s = session(driver("Sí, así es"), state=CallState.VALIDATING)

    assert hints(s) == []


def test_no_trip_on_file_goes_to_creating_right_after_identity():
    s = session(driver("Bueno"), karla("¿Hablo con Juan Pérez?"), driver("Simón"), trip=None)

    step = before_reply(s)

    assert hints(s) == [CallEvent.IDENTITY_CONFIRMED, CallEvent.TRIP_MISSING]
    assert step.session.state is CallState.CREATING


def test_inbound_identity_is_the_callers_number_at_the_first_turn():
    first = session(direction=Direction.INBOUND)
    later = session(karla("¡Hola, Juan!"), driver("Sí"), direction=Direction.INBOUND)

    assert hints(first) == [CallEvent.IDENTITY_CONFIRMED]
    assert hints(session(direction=Direction.INBOUND, trip=None)) == [
        CallEvent.IDENTITY_CONFIRMED,
        CallEvent.TRIP_MISSING,
    ]
    assert hints(later) == []


def test_a_successful_write_ends_the_call_after_the_reply():
    done = session(driver("Sí"), tool("validar_viaje"), state=CallState.CLOSING)
    refused = session(driver("Sí"), tool("actualizar_viaje", result={"ok": False}))
    transfer = session(driver("Una persona"), tool("transferir_a_humano"))

    assert end_of_call(done) == EndCall("done")
    assert end_of_call(refused) is None
    assert end_of_call(transfer) is None


def test_the_second_silence_in_a_row_ends_the_call():
    once = session(driver("Bueno"), karla("¿Hablo con Juan?"), driver(""))
    twice = session(
        driver("Bueno"), karla("¿Hablo con Juan?"), driver(""), karla("¿Bueno?"), driver("")
    )
    broken = session(driver(""), karla("¿Bueno?"), driver("Sí"), karla("¿Me oye?"), driver(""))

    assert end_of_call(once) is None
    assert end_of_call(twice) == EndCall("silence")
    assert end_of_call(broken) is None


@pytest.mark.parametrize("answer", ["No, está equivocado", "No", "No se encuentra"])
def test_the_wrong_person_ends_the_call(answer):
    s = session(driver("¿Bueno?"), karla("¿Hablo con Juan Pérez?"), driver(answer))

    assert end_of_call(s) == EndCall("wrong_person")


def test_a_no_after_identity_is_about_the_trip_not_the_person():
    s = session(
        driver("Bueno"),
        karla("¿Hablo con Juan?"),
        driver("Sí"),
        karla("¿Es correcto?"),
        driver("No"),
        state=CallState.VALIDATING,
    )

    assert end_of_call(s) is None
