"""The local stack: every real part of Karla on one machine, started by one call.

Postgres and Redis (configured or embedded), migrations, the client-system mock over HTTP,
the trips client with its breaker, the call-session store, the ToolDispatcher, the agent
and the audit. The demo, the scenario runner and the end-to-end tests all use it, so they
exercise the same wiring as production, with local stand-ins only at the edges.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import asyncpg
import redis.asyncio as aioredis

from media_server.pipeline.agent import Agent
from media_server.pipeline.conversation import Conversation
from media_server.providers.llm.factory import build_agent
from shared.calls.lifecycle import CallLifecycle
from shared.client_api import MockClientApi, TripsClient
from shared.client_api.mock_server import bind_socket, run_mock
from shared.config import Settings
from shared.db.migrate import apply_migrations
from shared.db.pool import create_pool
from shared.db.repositories import AuditStore
from shared.domain.pricing import price_list
from shared.state.redis import create_redis
from shared.state.sessions import CallSessionStore
from shared.telephony.handoff import RecordingHandoff
from shared.tools.dispatcher import ToolDispatcher

from .services import DataStores, ensure_data_stores

Clock = Callable[[], dt.datetime]


@dataclass
class LocalStack:
    settings: Settings
    stores: DataStores
    pool: asyncpg.Pool
    redis: aioredis.Redis
    audit: AuditStore
    sessions: CallSessionStore
    mock: MockClientApi
    mock_url: str
    trips: TripsClient
    handoff: RecordingHandoff
    dispatcher: ToolDispatcher
    lifecycle: CallLifecycle
    agent: Agent
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def conversation(self, call_id: str, clock: Clock) -> Conversation:
        return Conversation(
            call_id,
            store=self.sessions,
            agent=self.agent,
            dispatcher=self.dispatcher,
            turns=self.audit.turns,
            clock=clock,
            max_sentences=self.settings.max_sentences_per_turn,
            max_driver_turns=self.settings.max_turns_per_call,
        )

    def wall_clock(self) -> Clock:
        zone = ZoneInfo(self.settings.timezone)
        return lambda: dt.datetime.now(zone)


def shifted_clock(start: dt.datetime) -> Clock:
    """A clock that reads `start` now and runs at real speed: a call placed in the past."""
    offset = start - dt.datetime.now(dt.UTC)
    return lambda: (dt.datetime.now(dt.UTC) + offset).astimezone(start.tzinfo)


@contextlib.asynccontextmanager
async def local_stack(
    settings: Settings, agent: Agent | None = None, *, mock_port: int = 0
) -> AsyncIterator[LocalStack]:
    """The running stack; `agent` replaces the configured one (tests wire their own).

    The client-system mock listens on `mock_port` (0: any free port) on loopback."""
    stores = await asyncio.to_thread(
        ensure_data_stores, settings.state_dir, settings.database_url, settings.redis_url
    )
    await apply_migrations(stores.database_url)
    pool = await create_pool(stores.database_url)
    redis = create_redis(stores.redis_url)
    mock = MockClientApi()
    sock = bind_socket("127.0.0.1", mock_port)
    mock_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    mock_task = asyncio.create_task(run_mock(mock, sock))
    trips = TripsClient.from_settings(settings.model_copy(update={"client_api_base_url": mock_url}))
    audit = AuditStore.from_pool(pool)
    sessions = CallSessionStore(redis, settings.redis_key_prefix, settings.call_session_ttl_seconds)
    handoff = RecordingHandoff()
    stack = LocalStack(
        settings=settings,
        stores=stores,
        pool=pool,
        redis=redis,
        audit=audit,
        sessions=sessions,
        mock=mock,
        mock_url=mock_url,
        trips=trips,
        handoff=handoff,
        dispatcher=ToolDispatcher(trips, handoff, audit.tool_calls),
        lifecycle=CallLifecycle(
            audit,
            sessions,
            trips,
            price_list(settings.stt_provider, settings.llm_provider, settings.tts_provider),
        ),
        agent=agent if agent is not None else build_agent(settings),
        _tasks=[mock_task],
    )
    try:
        yield stack
    finally:
        for task in stack._tasks:
            task.cancel()
        for task in stack._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await trips.aclose()
        await redis.aclose()
        await pool.close()
