"""The agent interface: the conversation so far in, Karla's words and tool calls out.

Every implementation (the offline dialogue manager, Claude, Gemini) streams the same small
events, so the pipeline can send the first sentence to TTS before the reply is complete and
run tools as soon as they are asked for. After tool results are appended to the session the
pipeline asks the agent again, until a round asks for no tool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.domain.fsm import CallEvent
from shared.domain.session import CallSession, Usage
from shared.tools.dispatcher import ToolCall


@dataclass(frozen=True)
class TextDelta:
    """A piece of what Karla says, in order."""

    text: str


@dataclass(frozen=True)
class ToolRequest:
    call: ToolCall


@dataclass(frozen=True)
class StateHint:
    """The agent recognised a step of the call (identity confirmed, a discrepancy...)."""

    event: CallEvent


@dataclass(frozen=True)
class Remember:
    """Agent memory to keep in the call session (slots, counters), merged key by key."""

    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EndCall:
    """Karla hangs up once what she said has been played."""

    reason: str


@dataclass(frozen=True)
class UsageReport:
    usage: Usage


AgentEvent = TextDelta | ToolRequest | StateHint | Remember | EndCall | UsageReport


class Agent(Protocol):
    """Decides Karla's next words and actions from the call session."""

    name: str

    def respond(self, session: CallSession) -> AsyncIterator[AgentEvent]:
        """Stream the reply to the last driver turn or tool result in `session.messages`."""
        ...
