"""Pure edits of a call session that follow from the agent's events and the call's end."""

from __future__ import annotations

from shared.domain.call import Outcome
from shared.domain.fsm import CallEvent, CallState, can_happen, next_state
from shared.domain.session import CallSession, Role
from shared.observability.logging import get_logger

from .agent import Remember, StateHint, UsageReport

_log = get_logger(__name__)


def fold(session: CallSession, event: StateHint | Remember | UsageReport) -> CallSession:
    """Fold an event that changes the session but not what is said."""
    if isinstance(event, StateHint):
        if not can_happen(session.state, event.event):
            _log.info("agent_hint_ignored", state=session.state.value, hint=event.event.value)
            return session
        return session.model_copy(update={"state": next_state(session.state, event.event)})
    if isinstance(event, Remember):
        return session.model_copy(update={"agent_memory": {**session.agent_memory, **event.values}})
    return session.model_copy(update={"usage": session.usage.add(event.usage)})


def end(session: CallSession, reason: str | None) -> CallSession:
    """The call is over once this turn is played: outcome and why, state ended."""
    outcome = session.outcome or Outcome.ENDED_WITHOUT_CHANGE
    state = session.state
    if can_happen(state, CallEvent.HANGUP) and state is not CallState.TRANSFERRING:
        state = next_state(state, CallEvent.HANGUP)
    memory = {**session.agent_memory, "end_reason": reason or outcome.value}
    return session.model_copy(update={"state": state, "outcome": outcome, "agent_memory": memory})


def cut_last_karla_turn(session: CallSession, heard: str) -> tuple[CallSession, int | None]:
    """Karla's last turn reduced to what the driver heard, and its place (None: no turn)."""
    for index in range(len(session.messages) - 1, -1, -1):
        message = session.messages[index]
        if message.role is Role.KARLA:
            messages = list(session.messages)
            messages[index] = message.model_copy(update={"text": heard, "interrupted": True})
            return session.model_copy(update={"messages": messages}), index
    return session, None
