"""What a conversation turn produces and the stores it writes to, as small types.

Kept apart from `conversation.py` so the media pipeline, the text runner and the tests can
name them without the turn engine, and so an in-memory store (the load-test sessions) can
stand in for Redis, Postgres and the client API behind the same shapes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.domain.session import CallSession
from shared.tools.dispatcher import ToolCall, ToolOutcome


class TurnAudit(Protocol):
    async def add(
        self,
        call_id: str,
        seq: int,
        speaker: str,
        text: str,
        started_at: dt.datetime,
        ended_at: dt.datetime,
        interrupted: bool = False,
        latency: dict[str, Any] | None = None,
    ) -> bool: ...

    async def amend(
        self,
        call_id: str,
        seq: int,
        *,
        text: str | None = None,
        interrupted: bool | None = None,
        latency: dict[str, Any] | None = None,
    ) -> None: ...


class SessionStore(Protocol):
    """The call-session store a conversation needs (Redis in production)."""

    async def get(self, call_id: str) -> CallSession | None: ...

    async def save(self, session: CallSession) -> CallSession: ...

    async def update(
        self, call_id: str, mutate: Callable[[CallSession], CallSession], attempts: int = 5
    ) -> CallSession: ...


class Tools(Protocol):
    """Runs the agent's tool calls (the `ToolDispatcher` in production)."""

    async def dispatch(self, session: CallSession, call: ToolCall) -> ToolOutcome: ...


@dataclass(frozen=True)
class ToolReport:
    name: str
    arguments: dict[str, Any]
    readiness: str
    result: dict[str, Any]


@dataclass(frozen=True)
class KarlaTurn:
    """What Karla says this turn and whether the call ends once it is played.

    `seq` is the turn's place in the conversation (its audit row), None when she said
    nothing; the media pipeline amends that row once the audio has played.
    """

    text: str
    ends_call: bool
    tools: list[ToolReport] = field(default_factory=list)
    agent_ms: float = 0.0
    first_text_ms: float | None = None
    seq: int | None = None


class CallOver(RuntimeError):
    """The call has already ended; no more turns."""
