"""The control plane's wiring: the dispatcher, the telephony events (inbound calls
included) and the sweeper over one pool, one Redis client, one queue, one dialer and one
clock.

Each use case is built on first use, so a process only needs the settings of what it does:
the scheduler never needs the media-token secret, and RingCentral credentials are only
read on the first dial, hang-up or forward (`_RingCentralOnDemand` signs in then). The
webhook grants inbound calls their media token, so it needs the secret for them; without
it inbound calls are logged as unhandled rather than every webhook failing. The clock is injected
everywhere a time is decided, so tests can jump 30 minutes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from functools import cached_property

import asyncpg
import redis.asyncio as aioredis

from shared.calls.call_legs import CallLegs
from shared.calls.call_states import CallStates
from shared.calls.campaigns import CampaignWindows
from shared.calls.dispatch import CallDispatcher, DialPolicy, DispatchCollaborators
from shared.calls.inbound import CallForwarder, InboundCalls, InboundPolicy
from shared.calls.lifecycle import CallLifecycle
from shared.calls.parked_events import ParkedEvents
from shared.calls.redial import Redial
from shared.calls.sweep import Sweeper, SweepPolicy
from shared.calls.telephony_events import TelephonyEvents
from shared.calls.window import CallingWindow
from shared.client_api import TripsClient
from shared.config import Settings, SettingsError
from shared.db.migrate import apply_migrations
from shared.db.pool import create_pool
from shared.db.repositories import AuditStore
from shared.domain.pricing import price_list
from shared.observability.logging import get_logger
from shared.queue import DispatchQueue
from shared.queue.factory import dispatch_queue
from shared.state.rate_limiter import TokenBucket
from shared.state.redis import create_redis
from shared.state.sessions import CallSessionStore
from shared.telephony.dialer import Dialer, DialResult, MediaLegs, RingCentralDialer
from shared.telephony.ringcentral import CallLeg, RingCentralClient

Clock = Callable[[], dt.datetime]
# In-process wait for a dial token before the message goes back to the queue.
_MAX_TOKEN_WAIT_SECONDS = 10.0

_log = get_logger(__name__)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ControlPlane:
    def __init__(
        self,
        settings: Settings,
        pool: asyncpg.Pool,
        redis: aioredis.Redis,
        *,
        trips: TripsClient,
        dialer: Dialer,
        queue: DispatchQueue,
        clock: Clock = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        forwarder: CallForwarder | None = None,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.redis = redis
        self.trips = trips
        self.dialer = dialer
        self.queue = queue
        self.clock = clock
        self._sleep = sleep
        self._forwarder = forwarder
        self.audit = AuditStore.from_pool(pool)
        self.states = CallStates(pool)
        prefix = settings.redis_key_prefix
        self.sessions = CallSessionStore(redis, prefix, settings.call_session_ttl_seconds)
        self.parked = ParkedEvents(redis, prefix)
        self.call_legs = CallLegs(redis, prefix, settings.call_session_ttl_seconds)
        default_window = CallingWindow(
            settings.calling_window_start, settings.calling_window_end, settings.timezone
        )
        self.windows = CampaignWindows(self.audit.campaigns, default_window)
        self.redial = Redial(self.states, self.audit.attempts, self.windows)

    @cached_property
    def lifecycle(self) -> CallLifecycle:
        settings = self.settings
        return CallLifecycle(
            self.audit,
            self.sessions,
            self.trips,
            price_list(settings.stt_provider, settings.llm_provider, settings.tts_provider),
        )

    @cached_property
    def events(self) -> TelephonyEvents:
        return TelephonyEvents(
            self.audit,
            self.states,
            self.redial,
            self.parked,
            self.settings.media_attach_timeout_seconds,
            legs=self.call_legs,
            inbound=self._inbound_calls(),
        )

    def _inbound_calls(self) -> InboundCalls | None:
        settings = self.settings
        secret = settings.media_token_secret.get_secret_value()
        if not secret:
            _log.warning("MEDIA_TOKEN_SECRET IS NOT SET: inbound calls cannot be answered")
            return None
        return InboundCalls(
            self.audit,
            self.states,
            self.lifecycle,
            self.sessions,
            MediaLegs(self.redis, settings.redis_key_prefix),
            self._forwarder,
            InboundPolicy(
                media_token_secret=secret,
                media_token_ttl_seconds=settings.media_token_ttl_seconds,
                answer_timeout_seconds=settings.dial_timeout_seconds,
                timezone=settings.timezone,
            ),
        )

    @cached_property
    def dispatcher(self) -> CallDispatcher:
        settings = self.settings
        parts = DispatchCollaborators(
            audit=self.audit,
            states=self.states,
            windows=self.windows,
            lifecycle=self.lifecycle,
            sessions=self.sessions,
            bucket=TokenBucket(self.redis, settings.redis_key_prefix),
            dialer=self.dialer,
            queue=self.queue,
            redial=self.redial,
            events=self.events,
        )
        policy = DialPolicy(
            rate_per_second=settings.dial_rate_per_second,
            burst=settings.dial_rate_burst,
            max_wait_seconds=_MAX_TOKEN_WAIT_SECONDS,
            dial_timeout_seconds=settings.dial_timeout_seconds,
            media_token_secret=settings.media_token_secret.get_secret_value(),
            media_token_ttl_seconds=settings.media_token_ttl_seconds,
            timezone=settings.timezone,
        )
        return CallDispatcher(parts, policy, self._sleep)

    @cached_property
    def sweeper(self) -> Sweeper:
        return Sweeper(
            self.audit,
            self.states,
            self.windows,
            self.redial,
            self.sessions,
            self.queue,
            self.dialer,
            SweepPolicy(stale_queued_seconds=self.settings.dispatch_stale_seconds),
        )


class _RingCentralOnDemand:
    """The production dialer, signed in on first use rather than at start-up."""

    def __init__(self, settings: Settings, legs: MediaLegs) -> None:
        self._settings = settings
        self._legs = legs
        self._client: RingCentralClient | None = None

    def _signed_in(self) -> RingCentralClient:
        if self._client is None:
            self._client = RingCentralClient.from_settings(self._settings)
        return self._client

    def _dialer(self) -> RingCentralDialer:
        return RingCentralDialer(self._signed_in(), self._legs)

    async def dial(self, call_id: str, phone: str, media_token: str) -> DialResult:
        return await self._dialer().dial(call_id, phone, media_token)

    async def hang_up(self, telephony_session_id: str) -> None:
        await self._dialer().hang_up(telephony_session_id)

    async def forward(self, leg: CallLeg) -> str:
        """An inbound call Karla cannot take, to the human queue (RINGCENTRAL_TRANSFER_TARGET)."""
        target = self._settings.ringcentral_transfer_target
        await self._signed_in().forward(leg, extension_number=target)
        return target

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


@asynccontextmanager
async def open_control_plane(
    settings: Settings,
    *,
    dialer: Dialer | None = None,
    queue: DispatchQueue | None = None,
    clock: Clock = utc_now,
    forwarder: CallForwarder | None = None,
) -> AsyncIterator[ControlPlane]:
    """Connect (migrating first, as the API does), yield the plane, close on the way out.

    Without a `dialer`, RingCentral dials, and forwards the inbound calls Karla cannot take.
    """
    if not settings.database_url or not settings.redis_url:
        raise SettingsError("the control plane needs DATABASE_URL and REDIS_URL")
    async with AsyncExitStack() as stack:
        await apply_migrations(settings.database_url)
        pool = await create_pool(settings.database_url)
        stack.push_async_callback(pool.close)
        redis = create_redis(settings.redis_url)
        stack.push_async_callback(redis.aclose)
        trips = TripsClient.from_settings(settings)
        stack.push_async_callback(trips.aclose)
        if dialer is None:
            on_demand = _RingCentralOnDemand(settings, MediaLegs(redis, settings.redis_key_prefix))
            stack.push_async_callback(on_demand.aclose)
            dialer = on_demand
            forwarder = forwarder or on_demand
        yield ControlPlane(
            settings,
            pool,
            redis,
            trips=trips,
            dialer=dialer,
            queue=queue if queue is not None else dispatch_queue(settings, redis),
            clock=clock,
            forwarder=forwarder,
        )
