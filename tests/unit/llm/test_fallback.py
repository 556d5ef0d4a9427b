"""FallbackAgent with stand-in agents: when the turn is handed over, and the breaker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from media_server.pipeline.agent import AgentEvent, StateHint, TextDelta, ToolRequest
from media_server.providers.llm.fallback import FallbackAgent
from shared.domain.fsm import CallEvent
from shared.domain.session import CallSession
from shared.observability.metrics import REGISTRY
from shared.tools.dispatcher import ToolCall

from .factories import driver, session


class Scripted:
    """An agent that plays one behaviour per turn: events, then optionally a fault."""

    def __init__(self, name: str, *turns: list[AgentEvent | BaseException | float]) -> None:
        self.name = name
        self.turns = list(turns)
        self.calls = 0
        self.sessions: list[CallSession] = []

    async def respond(self, session: CallSession) -> AsyncIterator[AgentEvent]:
        self.calls += 1
        self.sessions.append(session)
        for item in self.turns.pop(0) if self.turns else [TextDelta("ok")]:
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, float):
                await asyncio.sleep(item)
                continue
            yield item


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fallbacks(reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "karla_agent_fallbacks_total", {"provider": "primary", "reason": reason}
    )
    return value or 0.0


def agent(primary: Scripted, fallback: Scripted, clock: Clock | None = None, threshold: int = 2):
    return FallbackAgent(
        primary,
        fallback,
        breaker_threshold=threshold,
        breaker_reset_seconds=30.0,
        first_event_timeout_seconds=0.05,
        clock=clock or Clock(),
    )


async def play(fallback_agent: FallbackAgent, s: CallSession | None = None) -> list[AgentEvent]:
    return [event async for event in fallback_agent.respond(s or session(driver("Bueno")))]


async def test_a_working_primary_is_passed_through_untouched():
    primary = Scripted("primary", [StateHint(CallEvent.IDENTITY_CONFIRMED), TextDelta("Hola")])
    offline = Scripted("offline")

    events = await play(agent(primary, offline))

    assert events == [StateHint(CallEvent.IDENTITY_CONFIRMED), TextDelta("Hola")]
    assert offline.calls == 0


async def test_an_error_hands_the_same_turn_and_session_to_the_fallback():
    primary = Scripted("primary", [RuntimeError("529 overloaded")])
    offline = Scripted("offline", [TextDelta("Respuesta offline")])
    before = fallbacks("error")
    s = session(driver("Bueno"))

    events = await play(agent(primary, offline), s)

    assert events == [TextDelta("Respuesta offline")]
    assert offline.sessions == [s]
    assert fallbacks("error") == before + 1


async def test_text_already_streamed_is_followed_by_the_fallbacks_answer():
    primary = Scripted("primary", [TextDelta("Le llamo para "), ConnectionError("dropped")])
    offline = Scripted("offline", [TextDelta("¿Me confirma su viaje?")])

    events = await play(agent(primary, offline))

    assert events == [TextDelta("Le llamo para "), TextDelta("¿Me confirma su viaje?")]


async def test_no_first_word_in_time_is_a_timeout_and_the_primarys_hints_are_dropped():
    primary = Scripted("primary", [StateHint(CallEvent.IDENTITY_CONFIRMED), 5.0, TextDelta("x")])
    offline = Scripted("offline", [TextDelta("offline")])
    before = fallbacks("timeout")

    events = await play(agent(primary, offline))

    assert events == [TextDelta("offline")]  # the state moves only by what was said
    assert fallbacks("timeout") == before + 1


async def test_hints_without_any_content_are_passed_on_at_the_end():
    primary = Scripted("primary", [StateHint(CallEvent.IDENTITY_CONFIRMED)])

    events = await play(agent(primary, Scripted("offline")))

    assert events == [StateHint(CallEvent.IDENTITY_CONFIRMED)]


async def test_a_slow_stream_after_the_first_word_is_not_cut():
    primary = Scripted("primary", [TextDelta("Uno "), 0.1, TextDelta("dos.")])

    events = await play(agent(primary, Scripted("offline")))

    assert events == [TextDelta("Uno "), TextDelta("dos.")]


async def test_a_failure_after_a_tool_request_leaves_the_next_round_to_answer():
    request = ToolRequest(ToolCall("t1", "validar_viaje", {}))
    primary = Scripted("primary", [request, RuntimeError("late failure")])
    offline = Scripted("offline")

    events = await play(agent(primary, offline))

    assert events == [request]
    assert offline.calls == 0


async def test_the_breaker_opens_after_the_threshold_and_retries_after_the_reset():
    clock = Clock()
    primary = Scripted("primary", [RuntimeError("a")], [RuntimeError("b")])
    offline = Scripted("offline")
    fallback_agent = agent(primary, offline, clock, threshold=2)
    before = fallbacks("breaker_open")

    for _ in range(4):
        await play(fallback_agent)

    assert primary.calls == 2  # the last two turns never reached it
    assert offline.calls == 4
    assert fallbacks("breaker_open") == before + 2

    clock.now += 30.0
    assert await play(fallback_agent) == [TextDelta("ok")]
    assert primary.calls == 3


async def test_a_success_resets_the_count_of_failures():
    primary = Scripted("primary", [RuntimeError("a")], [TextDelta("bien")], [RuntimeError("b")])
    fallback_agent = agent(primary, Scripted("offline"), threshold=2)

    for _ in range(4):
        await play(fallback_agent)

    assert primary.calls == 4  # never two failures in a row, so never open


async def test_cancellation_is_not_swallowed():
    primary = Scripted("primary", [asyncio.CancelledError()])

    with pytest.raises(asyncio.CancelledError):
        await play(agent(primary, Scripted("offline")))
