"""FallbackAgent: the configured LLM, with the offline agent answering whatever it cannot.

A driver on the line must never hear dead air because a provider is down, slow or out of
quota. Each turn streams the primary agent; the same turn is answered by the fallback agent,
from the same session, when the primary raises, when its first word or tool call does not
arrive within the first-event timeout, or when its breaker is open. The breaker counts
consecutive failed turns; at the threshold it shuts the primary out for the reset period,
then lets one turn through to try it again (one more failure shuts it again).

Mid-stream failures: text the primary already streamed may already be playing and cannot be
taken back, so the fallback's answer follows it. That can repeat or jar a little, which
beats a reply cut off in silence; the two-sentence cap trims what is said. If the primary
already asked for a tool, that tool has run and its result is in the session the pipeline
holds (not in the one this turn started with), so nothing is handed over: the pipeline's
next round answers the tool result, through the primary or, if it still fails, the fallback.

The primary's step hints (and other bookkeeping events) are held until its first word or
tool call: a primary that fails before saying anything must not move the call's state, or
the fallback, answering from the session as it was, would speak from one step while the
FSM stood at another.

Any exception from the primary is treated as a provider fault, by design: the pipeline
never sees it. Cancellation is not caught, so a barge-in can still stop the turn.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Literal

from media_server.pipeline.agent import Agent, AgentEvent, TextDelta, ToolRequest
from shared.domain.session import CallSession
from shared.observability.logging import get_logger
from shared.observability.metrics import AGENT_FALLBACKS

_log = get_logger(__name__)

Reason = Literal["timeout", "error", "breaker_open"]


class Breaker:
    """Consecutive-failure breaker: open for `reset_seconds` once `threshold` is reached."""

    def __init__(self, threshold: int, reset_seconds: float, clock: Callable[[], float]) -> None:
        self._threshold = threshold
        self._reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._open_until: float | None = None

    def allows(self) -> bool:
        return self._open_until is None or self._clock() >= self._open_until

    def succeeded(self) -> None:
        self._failures = 0
        self._open_until = None

    def failed(self) -> None:
        self._failures += 1
        if self._failures >= self._threshold:
            self._open_until = self._clock() + self._reset_seconds


@dataclass
class _Attempt:
    failure: Reason | None = None
    error: str = ""
    asked_tool: bool = False


class FallbackAgent:
    def __init__(
        self,
        primary: Agent,
        fallback: Agent,
        *,
        breaker_threshold: int,
        breaker_reset_seconds: float,
        first_event_timeout_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = primary.name
        self._primary = primary
        self._fallback = fallback
        self._first_event_timeout = first_event_timeout_seconds
        self._breaker = Breaker(breaker_threshold, breaker_reset_seconds, clock)

    async def respond(self, session: CallSession) -> AsyncIterator[AgentEvent]:
        attempt = _Attempt()
        if self._breaker.allows():
            async for event in self._stream_primary(session, attempt):
                yield event
            if attempt.failure is None:
                self._breaker.succeeded()
                return
            self._breaker.failed()
        else:
            attempt.failure = "breaker_open"
        handed_over = not attempt.asked_tool
        _log.warning(
            "agent_fallback",
            provider=self.name,
            reason=attempt.failure,
            error=attempt.error,
            handed_over=handed_over,
            call_id=session.call_id,
        )
        if not handed_over:
            return
        AGENT_FALLBACKS.labels(provider=self.name, reason=attempt.failure).inc()
        async for event in self._fallback.respond(session):
            yield event

    async def _stream_primary(
        self, session: CallSession, attempt: _Attempt
    ) -> AsyncIterator[AgentEvent]:
        """The primary's events, until it ends or fails; the failure is noted in `attempt`."""
        events = self._primary.respond(session)
        deadline = asyncio.get_running_loop().time() + self._first_event_timeout
        held: list[AgentEvent] | None = []  # None once the primary has said or asked something
        try:
            while True:
                try:
                    async with asyncio.timeout_at(deadline if held is not None else None):
                        event = await anext(events)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    attempt.failure = "timeout"
                    return
                except Exception as exc:
                    attempt.failure, attempt.error = "error", f"{type(exc).__name__}: {exc}"
                    return
                attempt.asked_tool = attempt.asked_tool or isinstance(event, ToolRequest)
                if held is not None and not isinstance(event, (TextDelta, ToolRequest)):
                    held.append(event)
                    continue
                for earlier in held or ():
                    yield earlier
                held = None
                yield event
            for earlier in held or ():
                yield earlier
        finally:
            if isinstance(events, AsyncGenerator):
                await events.aclose()
