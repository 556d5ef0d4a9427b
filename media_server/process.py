"""The media server as a process: its services, its signals, its drain.

`python -m media_server` (production) and `karla media-server` (local stack) both run this.
SIGTERM (ECS stopping the task) drains live calls for MEDIA_DRAIN_SECONDS, then hands the
rest to another instance (close 1012; the telephony reconnects and the call resumes).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator

from shared.calls.call_legs import CallLegs
from shared.config import Settings, SettingsError
from shared.observability.logging import get_logger
from shared.state.redis import create_redis
from shared.telephony.handoff import HumanHandoff, RecordingHandoff
from shared.telephony.ringcentral import RingCentralClient, RingCentralHandoff

from .server import MediaServer
from .services import open_services

_log = get_logger(__name__)


def warn_about(settings: Settings) -> None:
    """Say loudly at start-up what will refuse every caller, instead of failing mid-call."""
    if not settings.media_token_secret.get_secret_value():
        _log.warning(
            "MEDIA_TOKEN_SECRET IS NOT SET: every media socket is refused (load-test "
            "tokens excepted) until it is configured",
            setting="MEDIA_TOKEN_SECRET",
        )
    if not settings.api_token.get_secret_value():
        _log.warning("API_TOKEN IS NOT SET: /metrics answers 401", setting="API_TOKEN")
    if settings.media_accept_unbound_tokens_for_loadtest:
        _log.warning(
            "LOAD-TEST TOKENS ACCEPTED: never expose this server to real callers",
            setting="MEDIA_ACCEPT_UNBOUND_TOKENS_FOR_LOADTEST",
        )


@contextlib.asynccontextmanager
async def telephony_handoff(settings: Settings) -> AsyncIterator[HumanHandoff]:
    """RingCentral's transfer when RingCentral is configured; else transfers are recorded.

    The answered party of each call is in Redis (`CallLegs`, written by the telephony
    webhook), so any media-server instance can transfer any call it holds.
    """
    if not settings.ringcentral_client_id.strip():
        _log.warning("NO TELEPHONY HANDOFF WIRED: transfers to a person are only recorded")
        yield RecordingHandoff()
        return
    if not settings.redis_url or not settings.ringcentral_transfer_target.strip():
        raise SettingsError(
            "RingCentral transfers need REDIS_URL (the calls' answered legs) and "
            "RINGCENTRAL_TRANSFER_TARGET (the human queue's extension)"
        )
    redis = create_redis(settings.redis_url)
    try:
        async with RingCentralClient.from_settings(settings) as client:
            legs = CallLegs(redis, settings.redis_key_prefix, settings.call_session_ttl_seconds)
            yield RingCentralHandoff(client, legs.find, settings.ringcentral_transfer_target)
    finally:
        await redis.aclose()


async def serve_media(
    settings: Settings, host: str, port: int, handoff: HumanHandoff | None = None
) -> int:
    """Serve until SIGTERM or SIGINT, then drain."""
    warn_about(settings)
    async with contextlib.AsyncExitStack() as stack:
        if handoff is None:
            handoff = await stack.enter_async_context(telephony_handoff(settings))
        return await _serve(settings, host, port, handoff)


async def _serve(settings: Settings, host: str, port: int, handoff: HumanHandoff) -> int:
    async with open_services(settings, handoff) as services:
        server = MediaServer(services)
        await server.start(host, port)
        print(
            f"Karla media server on ws://{host}:{server.port} (/media /twilio /browser)", flush=True
        )
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        await stopping.wait()
        await server.stop(settings.media_drain_seconds)
    return 0
