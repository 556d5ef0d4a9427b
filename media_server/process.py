"""The media server as a process: its services, its signals, its drain.

`python -m media_server` (production) and `karla media-server` (local stack) both run this.
SIGTERM (ECS stopping the task) drains live calls for MEDIA_DRAIN_SECONDS, then hands the
rest to another instance (close 1012; the telephony reconnects and the call resumes).
"""

from __future__ import annotations

import asyncio
import signal

from shared.config import Settings
from shared.observability.logging import get_logger
from shared.telephony.handoff import HumanHandoff, RecordingHandoff

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


async def serve_media(
    settings: Settings, host: str, port: int, handoff: HumanHandoff | None = None
) -> int:
    """Serve until SIGTERM or SIGINT, then drain."""
    warn_about(settings)
    if handoff is None:
        _log.warning("NO TELEPHONY HANDOFF WIRED: transfers to a person are only recorded")
        handoff = RecordingHandoff()
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
