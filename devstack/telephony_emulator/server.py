"""Serving the emulator: on a socket bound first, so its URL is known before it runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from devstack.telephony_emulator.app import build_app
from devstack.telephony_emulator.emulator import TelephonyEmulator
from shared.serving import bind_socket, serve_asgi, url_of


async def run_emulator(emulator: TelephonyEmulator, host: str = "127.0.0.1", port: int = 0) -> None:
    """Serve until cancelled (a busy port raises OSError here, not inside uvicorn)."""
    async with serve_emulator(emulator, host, port):
        await asyncio.Event().wait()


@contextlib.asynccontextmanager
async def serve_emulator(
    emulator: TelephonyEmulator, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[str]:
    """The emulator's base URL while it serves; on exit its calls and webhooks stop too."""
    sock = bind_socket(host, port)
    task = asyncio.create_task(serve_asgi(build_app(emulator), sock))
    try:
        yield url_of(sock)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()
        await emulator.aclose()
