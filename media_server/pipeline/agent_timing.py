"""LLM latency histograms for agents that run in-process (offline, load test).

The network agents (Anthropic, Gemini) time their own provider streams, where the time to
first token is a network figure. The in-process agents have no stream to time, so the
pipeline times them the same way around `respond`: first text or tool call, and the end.
Measuring both would count the network agents twice, hence the list of self-timed names.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from shared.domain.session import CallSession
from shared.observability.metrics import LLM_FIRST_TOKEN, LLM_TOTAL

from .agent import Agent, AgentEvent, TextDelta, ToolRequest

SELF_TIMED = frozenset({"anthropic", "gemini"})


class TimedAgent:
    def __init__(self, agent: Agent) -> None:
        self.name = agent.name
        self._agent = agent

    async def respond(self, session: CallSession) -> AsyncIterator[AgentEvent]:
        started = time.perf_counter()
        first = True
        async for event in self._agent.respond(session):
            if first and isinstance(event, (TextDelta, ToolRequest)):
                first = False
                LLM_FIRST_TOKEN.labels(provider=self.name).observe(time.perf_counter() - started)
            yield event
        LLM_TOTAL.labels(provider=self.name).observe(time.perf_counter() - started)


def timed(agent: Agent) -> Agent:
    """`agent`, timed by the pipeline unless it times itself."""
    return agent if agent.name in SELF_TIMED else TimedAgent(agent)
