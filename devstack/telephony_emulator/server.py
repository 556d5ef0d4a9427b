"""Serving the emulator: on a socket bound first, so its URL is known before it runs."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

from devstack.telephony_emulator.app import build_app
from devstack.telephony_emulator.emulator import TelephonyEmulator
from shared.serving import bind_socket, serving_on


async def run_emulator(emulator: TelephonyEmulator, host: str = "127.0.0.1", port: int = 0) -> None:
    """Serve until cancelled (a busy port raises OSError here, not inside uvicorn)."""
    async with serve_emulator(emulator, host, port):
        await asyncio.Event().wait()


@contextlib.asynccontextmanager
async def serve_emulator(
    emulator: TelephonyEmulator,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    sock: socket.socket | None = None,
) -> AsyncIterator[str]:
    """The emulator's base URL while it serves (on `sock` when bound beforehand, so its
    URL could be handed out first); on exit its calls and webhooks stop too."""
    try:
        async with serving_on(build_app(emulator), sock or bind_socket(host, port)) as url:
            yield url
    finally:
        await emulator.aclose()
