"""The per-call conversation state machine: legal transitions and the tools each state allows.

Pure: a state and an event in, the next state out. The call-session store persists the
state in Redis; the ToolDispatcher asks `tool_allowed` before any write.
"""

from __future__ import annotations

from enum import StrEnum


class CallState(StrEnum):
    DIALING = "dialing"
    GREETING = "greeting"
    VALIDATING = "validating"
    UPDATING = "updating"
    CREATING = "creating"
    CLOSING = "closing"
    TRANSFERRING = "transferring"
    ENDED = "ended"

    @property
    def is_live(self) -> bool:
        """The driver is on the line and Karla may still speak."""
        return self not in (CallState.DIALING, CallState.TRANSFERRING, CallState.ENDED)


class CallEvent(StrEnum):
    ANSWERED = "answered"  # the driver picked up (or called in)
    IDENTITY_CONFIRMED = "identity_confirmed"  # the right driver is on the line
    DISCREPANCY = "discrepancy"  # the trip on file differs from what happened
    TRIP_MISSING = "trip_missing"  # no trip on file, or the driver did another leg
    BACK_TO_VALIDATING = "back_to_validating"  # the driver takes the discrepancy back
    WRITE_DONE = "write_done"  # validar / actualizar / crear succeeded
    TRANSFER = "transfer"  # hand the live call to a human
    HANGUP = "hangup"  # either side ended the call


class Tool(StrEnum):
    VALIDAR_VIAJE = "validar_viaje"
    ACTUALIZAR_VIAJE = "actualizar_viaje"
    CREAR_VIAJE = "crear_viaje"
    TRANSFERIR_A_HUMANO = "transferir_a_humano"

    @property
    def writes_trip(self) -> bool:
        return self is not Tool.TRANSFERIR_A_HUMANO


class IllegalTransition(ValueError):
    """The event cannot happen in the current state."""

    def __init__(self, state: CallState, event: CallEvent) -> None:
        super().__init__(f"event {event.value!r} is not allowed in state {state.value!r}")
        self.state = state
        self.event = event


_LIVE_CONVERSATION = (
    CallState.GREETING,
    CallState.VALIDATING,
    CallState.UPDATING,
    CallState.CREATING,
    CallState.CLOSING,
)

_TRANSITIONS: dict[tuple[CallState, CallEvent], CallState] = {
    (CallState.DIALING, CallEvent.ANSWERED): CallState.GREETING,
    (CallState.DIALING, CallEvent.HANGUP): CallState.ENDED,
    (CallState.GREETING, CallEvent.IDENTITY_CONFIRMED): CallState.VALIDATING,
    (CallState.GREETING, CallEvent.TRIP_MISSING): CallState.CREATING,
    (CallState.VALIDATING, CallEvent.DISCREPANCY): CallState.UPDATING,
    (CallState.VALIDATING, CallEvent.TRIP_MISSING): CallState.CREATING,
    (CallState.VALIDATING, CallEvent.WRITE_DONE): CallState.CLOSING,
    (CallState.UPDATING, CallEvent.BACK_TO_VALIDATING): CallState.VALIDATING,
    (CallState.UPDATING, CallEvent.WRITE_DONE): CallState.CLOSING,
    (CallState.CREATING, CallEvent.WRITE_DONE): CallState.CLOSING,
    (CallState.TRANSFERRING, CallEvent.HANGUP): CallState.ENDED,
    **{(state, CallEvent.TRANSFER): CallState.TRANSFERRING for state in _LIVE_CONVERSATION},
    **{(state, CallEvent.HANGUP): CallState.ENDED for state in _LIVE_CONVERSATION},
}

# Which tools may run in each state, and the event each one implies there. A write tool is
# allowed only where the conversation has reached the matching step: identity confirmed
# before any write, one write per call, nothing after the transfer.
_TOOL_EVENTS: dict[CallState, dict[Tool, CallEvent]] = {
    CallState.DIALING: {},
    CallState.GREETING: {Tool.TRANSFERIR_A_HUMANO: CallEvent.TRANSFER},
    CallState.VALIDATING: {
        Tool.VALIDAR_VIAJE: CallEvent.WRITE_DONE,
        Tool.ACTUALIZAR_VIAJE: CallEvent.DISCREPANCY,
        Tool.CREAR_VIAJE: CallEvent.TRIP_MISSING,  # the driver did another leg
        Tool.TRANSFERIR_A_HUMANO: CallEvent.TRANSFER,
    },
    CallState.UPDATING: {
        Tool.ACTUALIZAR_VIAJE: CallEvent.WRITE_DONE,
        Tool.VALIDAR_VIAJE: CallEvent.BACK_TO_VALIDATING,
        Tool.TRANSFERIR_A_HUMANO: CallEvent.TRANSFER,
    },
    CallState.CREATING: {
        Tool.CREAR_VIAJE: CallEvent.WRITE_DONE,
        Tool.TRANSFERIR_A_HUMANO: CallEvent.TRANSFER,
    },
    CallState.CLOSING: {Tool.TRANSFERIR_A_HUMANO: CallEvent.TRANSFER},
    CallState.TRANSFERRING: {},
    CallState.ENDED: {},
}


def next_state(state: CallState, event: CallEvent) -> CallState:
    """The state after `event`, or IllegalTransition."""
    try:
        return _TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state, event) from None


def can_happen(state: CallState, event: CallEvent) -> bool:
    return (state, event) in _TRANSITIONS


def allowed_tools(state: CallState) -> frozenset[Tool]:
    return frozenset(_TOOL_EVENTS[state])


def tool_allowed(state: CallState, tool: Tool) -> bool:
    return tool in _TOOL_EVENTS[state]


def state_after_tool(state: CallState, tool: Tool) -> CallState:
    """The state a successful `tool` call leaves the conversation in.

    A write passes through its step when the conversation had not named it yet:
    actualizar from validating goes validating -> updating -> closing, crear from
    validating goes validating -> creating -> closing, and validar from updating (the
    driver took the discrepancy back) goes updating -> validating -> closing.
    """
    if not tool_allowed(state, tool):
        raise IllegalTransition(state, CallEvent.WRITE_DONE)
    after = next_state(state, _TOOL_EVENTS[state][tool])
    if tool.writes_trip and after is not CallState.CLOSING:
        after = next_state(after, CallEvent.WRITE_DONE)
    return after
