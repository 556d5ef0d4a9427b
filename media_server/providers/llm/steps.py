"""Call steps decided by rules, not by the model, so every agent moves the FSM the same way.

The LLM agents never hint a state themselves: identity confirmation, "no trip on file" and
the end of the call are read from the session here, with the same short-answer classifier
the offline agent uses. The model decides what Karla says and which tool to call; the
ToolDispatcher and the FSM decide whether that tool may run in the current step.
"""

from __future__ import annotations

from dataclasses import dataclass

from media_server.pipeline.agent import EndCall, StateHint
from media_server.providers.llm.offline.intents import Intent, classify
from shared.domain.fsm import CallEvent, CallState, Tool, can_happen, next_state
from shared.domain.session import CallSession, Message, Role

MAX_SILENCES = 2  # the first silence gets a re-prompt, the second a goodbye


@dataclass(frozen=True)
class Step:
    """The hints to emit before the model runs, and the session as they leave it."""

    hints: tuple[StateHint, ...]
    session: CallSession


def before_reply(session: CallSession) -> Step:
    """Hints implied by the driver's last line (or by the call having just started)."""
    events: list[CallEvent] = []
    if _identity_confirmed(session):
        events.append(CallEvent.IDENTITY_CONFIRMED)
        if session.trip_on_file is None:
            events.append(CallEvent.TRIP_MISSING)
    state = session.state
    hints: list[StateHint] = []
    for event in events:
        if can_happen(state, event):
            state = next_state(state, event)
            hints.append(StateHint(event))
    return Step(tuple(hints), session.model_copy(update={"state": state}))


def end_of_call(session: CallSession) -> EndCall | None:
    """Whether the reply to this session is Karla's last turn, and why."""
    last = session.messages[-1] if session.messages else None
    if last is None:
        return None
    if last.role is Role.TOOL:
        wrote = last.tool_name in {tool.value for tool in Tool if tool.writes_trip}
        return EndCall("done") if wrote and (last.tool_result or {}).get("ok") else None
    if last.role is not Role.DRIVER:
        return None
    if _trailing_silences(session.messages) >= MAX_SILENCES:
        return EndCall("silence")
    if (
        session.direction == "outbound"
        and session.state is CallState.GREETING
        and _karla_spoke(session)
        and classify(last.text) in (Intent.WRONG_PERSON, Intent.NO)
    ):
        return EndCall("wrong_person")
    return None


def _identity_confirmed(session: CallSession) -> bool:
    if session.state is not CallState.GREETING:
        return False
    if session.direction == "inbound":
        return not _karla_spoke(session)  # the caller's number identified the driver
    last = session.messages[-1] if session.messages else None
    return (
        last is not None
        and last.role is Role.DRIVER
        and _karla_spoke(session)
        and classify(last.text) is Intent.YES
    )


def _karla_spoke(session: CallSession) -> bool:
    return any(message.role is Role.KARLA for message in session.messages)


def _trailing_silences(messages: list[Message]) -> int:
    count = 0
    for message in reversed(messages):
        if message.role is Role.KARLA:
            continue
        if message.role is not Role.DRIVER or message.text:
            break
        count += 1
    return count
