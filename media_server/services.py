"""What the media server needs for its calls, built once per process.

The same object is built three ways: from the local stack (demo, tests: embedded stores,
mock client API, one offline STT per simulated call), from the environment for
`python -m media_server` (production: Postgres, Redis, the client API, the configured
providers), and without any store for a pure load-test process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from media_server.pipeline.agent import Agent
from media_server.pipeline.agent_timing import timed
from media_server.pipeline.records import Tools, TurnAudit
from media_server.providers.llm.factory import build_agent
from media_server.providers.stt.base import SttProvider
from media_server.providers.stt.factory import build_stt
from media_server.providers.tts.base import TtsProvider
from media_server.providers.tts.factory import build_tts
from shared.calls.lifecycle import CallLifecycle
from shared.client_api import TripsClient
from shared.config import Settings, SettingsError
from shared.db.migrate import apply_migrations
from shared.db.pool import create_pool
from shared.db.repositories import AuditStore
from shared.domain.pricing import price_list
from shared.state.redis import create_redis
from shared.state.sessions import CallSessionStore
from shared.telephony.handoff import HumanHandoff
from shared.tools.dispatcher import ToolDispatcher

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Stores:
    """The durable side of calls: sessions (Redis), audit and lifecycle (Postgres), tools."""

    sessions: CallSessionStore
    turns: TurnAudit
    tools: Tools
    lifecycle: CallLifecycle


@dataclass(frozen=True)
class CallServices:
    settings: Settings
    agent: Agent
    tts: TtsProvider
    stt_for: Callable[[str], SttProvider]  # per call: the offline STT has a channel per call
    stores: Stores | None  # None: a load-test-only process, which accepts no real call
    clock: Clock


def wall_clock(settings: Settings) -> Clock:
    zone = ZoneInfo(settings.timezone)
    return lambda: dt.datetime.now(zone)


def build_agent_for(settings: Settings) -> Agent:
    """The configured agent, timed; `loadtest` is the benchmark's fixed-reply agent."""
    if settings.llm_provider == "loadtest":
        from media_server.providers.llm.loadtest import LoadtestAgent

        return timed(LoadtestAgent(settings.loadtest_llm_first_token_ms))
    return timed(build_agent(settings))


def build_tts_for(settings: Settings) -> TtsProvider:
    if settings.tts_provider == "loadtest":
        from media_server.providers.tts.loadtest import LoadtestTts

        return LoadtestTts(settings.loadtest_tts_first_byte_ms)
    return build_tts(settings)


def stt_factory(settings: Settings) -> Callable[[str], SttProvider]:
    if settings.stt_provider == "loadtest":
        from media_server.providers.stt.loadtest import LoadtestStt

        loadtest = LoadtestStt(settings.loadtest_stt_latency_ms)
        return lambda _call_id: loadtest
    if settings.stt_provider == "offline":
        return lambda _call_id: build_stt(settings)  # one channel per call
    shared_provider = build_stt(settings)
    return lambda _call_id: shared_provider


def configured_services(settings: Settings, stores: Stores | None) -> CallServices:
    """Providers and agent as configured, over `stores`."""
    return CallServices(
        settings=settings,
        agent=build_agent_for(settings),
        tts=build_tts_for(settings),
        stt_for=stt_factory(settings),
        stores=stores,
        clock=wall_clock(settings),
    )


@contextlib.asynccontextmanager
async def open_services(settings: Settings, handoff: HumanHandoff) -> AsyncIterator[CallServices]:
    """Connect to the configured stores and the client API; close them on the way out.

    A process that only serves load tests (`MEDIA_ACCEPT_UNBOUND_TOKENS_FOR_LOADTEST`) may
    run without DATABASE_URL / REDIS_URL; any other needs both.
    """
    if not settings.database_url or not settings.redis_url:
        if not settings.media_accept_unbound_tokens_for_loadtest:
            raise SettingsError("the media server needs DATABASE_URL and REDIS_URL")
        yield configured_services(settings, None)
        return
    await apply_migrations(settings.database_url)
    pool = await create_pool(settings.database_url)
    redis = create_redis(settings.redis_url)
    trips = TripsClient.from_settings(settings)
    try:
        audit = AuditStore.from_pool(pool)
        sessions = CallSessionStore(
            redis, settings.redis_key_prefix, settings.call_session_ttl_seconds
        )
        prices = price_list(settings.stt_provider, settings.llm_provider, settings.tts_provider)
        stores = Stores(
            sessions=sessions,
            turns=audit.turns,
            tools=ToolDispatcher(trips, handoff, audit.tool_calls),
            lifecycle=CallLifecycle(audit, sessions, trips, prices),
        )
        yield configured_services(settings, stores)
    finally:
        await trips.aclose()
        await redis.aclose()
        await pool.close()
