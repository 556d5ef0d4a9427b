"""Serving an ASGI app with uvicorn on a socket bound beforehand.

Binding first means the port is known (even port 0) and taken before the server runs, so
callers can hand out the URL at once, and a busy port raises OSError instead of uvicorn's
sys.exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import uvicorn


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family in (socket.AF_INET, socket.AF_INET6):
            # Accepted sockets inherit it: small JSON answers must not wait out delayed ACKs.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen()
    except OSError:
        sock.close()
        raise
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


async def serve_asgi(app: Any, sock: socket.socket) -> None:
    """Serve `app` until cancelled, then shut uvicorn down cleanly."""
    config = uvicorn.Config(
        app,
        log_level="warning",
        log_config=None,  # leave the host process's logging alone
        access_log=False,
        timeout_graceful_shutdown=1,
        lifespan="auto",
    )
    server = uvicorn.Server(config)
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        await asyncio.shield(serving)
    except asyncio.CancelledError:
        server.should_exit = True
        await serving
        raise


@contextlib.asynccontextmanager
async def serving(app: Any, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve `app` for the duration of the block; yields its base URL at once."""
    async with serving_on(app, bind_socket(host, port)) as url:
        yield url


@contextlib.asynccontextmanager
async def serving_on(app: Any, sock: socket.socket) -> AsyncIterator[str]:
    """Serve `app` on `sock`, bound beforehand, for the block; the socket is closed after."""
    task = asyncio.create_task(serve_asgi(app, sock))
    try:
        yield url_of(sock)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()
