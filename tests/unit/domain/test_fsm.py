"""The call FSM: legal paths, tools per state, and that nothing leaves `ended`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.fsm import (
    CallEvent,
    CallState,
    IllegalTransition,
    Tool,
    allowed_tools,
    can_happen,
    next_state,
    state_after_tool,
    tool_allowed,
)


def walk(*events: CallEvent) -> CallState:
    state = CallState.DIALING
    for event in events:
        state = next_state(state, event)
    return state


def test_confirm_path_reaches_closing_then_ended():
    state = walk(CallEvent.ANSWERED, CallEvent.IDENTITY_CONFIRMED, CallEvent.WRITE_DONE)
    assert state is CallState.CLOSING
    assert next_state(state, CallEvent.HANGUP) is CallState.ENDED


def test_update_and_create_paths():
    assert (
        walk(CallEvent.ANSWERED, CallEvent.IDENTITY_CONFIRMED, CallEvent.DISCREPANCY)
        is CallState.UPDATING
    )
    assert walk(CallEvent.ANSWERED, CallEvent.TRIP_MISSING) is CallState.CREATING


@pytest.mark.parametrize(
    "state",
    [
        CallState.GREETING,
        CallState.VALIDATING,
        CallState.UPDATING,
        CallState.CREATING,
        CallState.CLOSING,
    ],
)
def test_transfer_is_possible_from_every_live_state(state):
    assert next_state(state, CallEvent.TRANSFER) is CallState.TRANSFERRING
    assert tool_allowed(state, Tool.TRANSFERIR_A_HUMANO)


def test_no_write_before_identity_is_confirmed():
    assert allowed_tools(CallState.GREETING) == {Tool.TRANSFERIR_A_HUMANO}
    assert allowed_tools(CallState.DIALING) == frozenset()


def test_one_write_per_call_closing_allows_only_transfer():
    assert allowed_tools(CallState.CLOSING) == {Tool.TRANSFERIR_A_HUMANO}


def test_creating_allows_only_create_or_transfer():
    assert allowed_tools(CallState.CREATING) == {Tool.CREAR_VIAJE, Tool.TRANSFERIR_A_HUMANO}


def test_update_from_validating_passes_through_updating():
    assert state_after_tool(CallState.VALIDATING, Tool.ACTUALIZAR_VIAJE) is CallState.CLOSING
    assert state_after_tool(CallState.UPDATING, Tool.VALIDAR_VIAJE) is CallState.CLOSING


def test_tool_not_allowed_raises():
    with pytest.raises(IllegalTransition):
        state_after_tool(CallState.GREETING, Tool.VALIDAR_VIAJE)


@given(st.lists(st.sampled_from(list(CallEvent)), max_size=12))
def test_any_event_sequence_stays_inside_the_table(events):
    """Illegal events raise and leave the state as it was; ended is terminal."""
    state = CallState.DIALING
    for event in events:
        if can_happen(state, event):
            state = next_state(state, event)
        else:
            with pytest.raises(IllegalTransition):
                next_state(state, event)
    if state is CallState.ENDED:
        assert all(not can_happen(state, e) for e in CallEvent)
        assert allowed_tools(state) == frozenset()


@given(st.sampled_from(list(CallState)), st.sampled_from(list(Tool)))
def test_every_allowed_tool_leads_somewhere_legal(state, tool):
    if tool_allowed(state, tool):
        after = state_after_tool(state, tool)
        assert after in (CallState.CLOSING, CallState.TRANSFERRING)
