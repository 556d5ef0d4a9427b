"""In-memory call sessions for load tests: no Redis, no Postgres, no client API.

BENCHMARK AID, enabled only by `MEDIA_ACCEPT_UNBOUND_TOKENS_FOR_LOADTEST=true`: a socket
whose media token is `loadtest:<id>` gets a fresh session held in this process's memory,
so a load generator can open hundreds of calls without dispatching each one. Such a
session is lost when the socket closes (no resume, no audit) and no tool can run: what is
measured is the media pipeline itself. Never enable it in front of real callers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from shared.domain.call import Direction
from shared.domain.session import CallSession
from shared.domain.trip import Driver
from shared.tools.dispatcher import ToolCall, ToolOutcome

LOADTEST_PREFIX = "loadtest:"


def is_loadtest_token(token: str) -> bool:
    return token.startswith(LOADTEST_PREFIX) and len(token) > len(LOADTEST_PREFIX)


def loadtest_session(token: str, now: dt.datetime) -> CallSession:
    call_id = token
    driver = Driver(driver_id="loadtest", name="Prueba de Carga", phone="+525500000000")
    return CallSession(
        call_id=call_id, direction=Direction.OUTBOUND, driver=driver, trip_id=None, call_time=now
    )


class MemorySessionStore:
    """One session, versioned like the Redis store so the conversation code is the same."""

    def __init__(self, session: CallSession) -> None:
        self._session = session

    async def get(self, call_id: str) -> CallSession | None:
        return self._session if call_id == self._session.call_id else None

    async def save(self, session: CallSession) -> CallSession:
        self._session = session.model_copy(update={"version": session.version + 1})
        return self._session

    async def update(
        self, call_id: str, mutate: Callable[[CallSession], CallSession], attempts: int = 5
    ) -> CallSession:
        return await self.save(mutate(self._session))


class NoAudit:
    """Load-test turns are not audited."""

    async def add(self, *args: Any, **kwargs: Any) -> bool:
        return True

    async def amend(self, *args: Any, **kwargs: Any) -> None:
        return None


class NoTools:
    """The load-test agent asks for no tools; if one is asked for, it is refused."""

    async def dispatch(self, session: CallSession, call: ToolCall) -> ToolOutcome:
        return ToolOutcome("refused", {"ok": False, "error": "sin_herramientas"}, session)
