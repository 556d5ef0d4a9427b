"""Load-test agent: one fixed sentence, no tools, after a set time to first token.

BENCHMARK AID, chosen with `LLM_PROVIDER=loadtest`: the benchmark measures the media
pipeline under load, so the agent must cost nothing and answer the same every turn;
`LOADTEST_LLM_FIRST_TOKEN_MS` models a vendor's time to first token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from media_server.pipeline.agent import AgentEvent, TextDelta
from shared.domain.session import CallSession

REPLY = "Muy bien, gracias por la información."


class LoadtestAgent:
    name = "loadtest"

    def __init__(self, first_token_ms: float = 0.0) -> None:
        self._delay = first_token_ms / 1000

    async def respond(self, session: CallSession) -> AsyncIterator[AgentEvent]:
        if self._delay:
            await asyncio.sleep(self._delay)
        yield TextDelta(REPLY)
