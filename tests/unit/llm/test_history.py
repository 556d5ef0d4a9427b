"""Session messages as chat turns: alternation, tool pairs, markers and the context bound."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from media_server.providers.llm.history import (
    CALL_START,
    INTERRUPTED,
    SILENCE,
    Text,
    ToolResult,
    ToolUse,
    Turn,
    to_turns,
)
from shared.domain.session import Message

from .factories import driver, karla, tool


def texts(turn: Turn) -> list[str]:
    return [part.text for part in turn.parts if isinstance(part, Text)]


def test_driver_and_karla_alternate_as_user_and_assistant():
    turns = to_turns([driver("¿Bueno?"), karla("¿Hablo con Juan Pérez?"), driver("Sí")], 40)

    assert [t.role for t in turns] == ["user", "assistant", "user"]
    assert [texts(t) for t in turns] == [["¿Bueno?"], ["¿Hablo con Juan Pérez?"], ["Sí"]]


def test_silence_and_interruption_are_marked():
    turns = to_turns(
        [driver(""), karla("Le llamo para confirmar su viaje.", interrupted=True), driver("Ya")],
        40,
    )

    assert texts(turns[0]) == [SILENCE]
    assert texts(turns[1]) == [f"Le llamo para confirmar su viaje. {INTERRUPTED}"]


def test_an_interruption_before_any_word_is_only_the_marker():
    turns = to_turns([driver("Bueno"), karla("", interrupted=True), driver("Sí")], 40)

    assert texts(turns[1]) == [INTERRUPTED]


def test_a_tool_message_is_a_use_then_its_result_with_the_same_id():
    turns = to_turns(
        [
            driver("Sí, correcto"),
            tool("validar_viaje", {}, {"ok": True, "viaje": {"estatus": "validated"}}, "toolu_9"),
            karla("Listo, quedó validado."),
        ],
        40,
    )

    assert [t.role for t in turns] == ["user", "assistant", "user", "assistant"]
    (use,) = turns[1].parts
    (result,) = turns[2].parts
    assert use == ToolUse("toolu_9", "validar_viaje", {})
    assert isinstance(result, ToolResult)
    assert (result.tool_use_id, result.name, result.is_error) == ("toolu_9", "validar_viaje", False)
    assert json.loads(result.content) == {"ok": True, "viaje": {"estatus": "validated"}}


def test_a_refused_tool_is_an_error_result():
    turns = to_turns(
        [driver("Sí"), tool("actualizar_viaje", {"trip_id": "T-999"}, {"ok": False})], 40
    )

    (result,) = turns[-1].parts
    assert isinstance(result, ToolResult) and result.is_error


def test_same_role_turns_are_merged_with_results_before_text():
    turns = to_turns(
        [
            driver("Bueno"),
            karla("Un momento."),
            tool("transferir_a_humano", {"motivo": "solicitud"}, {"ok": False}, "t1"),
            driver("¿Sigue ahí?"),
        ],
        40,
    )

    assert [t.role for t in turns] == ["user", "assistant", "user"]
    assert isinstance(turns[1].parts[0], Text) and isinstance(turns[1].parts[1], ToolUse)
    assert isinstance(turns[2].parts[0], ToolResult) and turns[2].parts[1] == Text("¿Sigue ahí?")


def test_a_call_karla_opens_starts_with_the_call_start_marker():
    assert to_turns([], 40) == [Turn("user", (Text(CALL_START),))]
    turns = to_turns([karla("¡Hola! ¿En qué le ayudo?"), driver("Quiero reportar")], 40)
    assert [t.role for t in turns] == ["user", "assistant", "user"]
    assert texts(turns[0]) == [CALL_START]


def test_the_bound_keeps_recent_messages_and_starts_at_a_driver_line():
    messages = [driver("uno"), karla("dos"), driver("tres"), karla("cuatro"), driver("cinco")]

    turns = to_turns(messages, 4)  # the window would start at Karla's "dos"

    assert [texts(t) for t in turns] == [["tres"], ["cuatro"], ["cinco"]]


def test_the_bound_never_separates_a_tool_use_from_its_result():
    messages = [driver("a"), karla("b"), driver("c"), tool("validar_viaje"), karla("d")]

    turns = to_turns(messages, 2)  # the window holds the tool message and Karla's reply

    assert turns[0] == Turn("user", (Text(CALL_START),))
    assert isinstance(turns[1].parts[0], ToolUse) and isinstance(turns[2].parts[0], ToolResult)


_MESSAGES = st.lists(
    st.one_of(
        st.builds(driver, st.sampled_from(["", "sí", "no, fue a Colima"])),
        st.builds(
            karla, st.sampled_from(["¿Hablo con Juan?", "Listo."]), interrupted=st.booleans()
        ),
        st.builds(tool, st.sampled_from(["validar_viaje", "transferir_a_humano"])),
    ),
    max_size=30,
)


@given(_MESSAGES, st.integers(min_value=1, max_value=40))
def test_any_conversation_becomes_valid_alternating_turns(messages: list[Message], limit: int):
    turns = to_turns(messages, limit)

    assert turns[0].role == "user"
    assert all(a.role != b.role for a, b in itertools.pairwise(turns))
    for index, turn in enumerate(turns):
        for part in turn.parts:
            if isinstance(part, ToolUse):  # its result opens the very next turn
                following = turns[index + 1].parts
                assert any(
                    isinstance(p, ToolResult) and p.tool_use_id == part.id for p in following
                )
        results = [isinstance(p, ToolResult) for p in turn.parts]
        assert results == sorted(results, reverse=True)  # results come before any text
        assert all(not isinstance(p, Text) or p.text.strip() for p in turn.parts)


@pytest.mark.parametrize("limit", [1, 3, 100])
def test_the_bound_keeps_at_most_the_limit(limit: int):
    messages = [m for i in range(20) for m in (driver(f"d{i}"), karla(f"k{i}"))]

    turns = to_turns(messages, limit)

    kept = sum(len(texts(t)) for t in turns if texts(t) != [CALL_START])
    assert kept <= limit
