"""`python -m media_server` as ECS runs it: a real process, stopped with SIGTERM.

A load-test-only server (no stores needed) takes a Twilio-style call; SIGTERM must stop it
taking new sockets at once, let the live call go on for MEDIA_DRAIN_SECONDS, hand over what
is left with 1012 (the bridge reconnects elsewhere), and exit 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from ...conftest import ROOT
from .test_media_server import read_until_closed, say_si, twilio_start

GUARD_SECONDS = 30  # hang guards only: no test measures time


@asynccontextmanager
async def media_process(
    drain_seconds: float,
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """The media server in its own process on a free port; yields it and its /twilio URL."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "MEDIA_ACCEPT_UNBOUND_TOKENS_FOR_LOADTEST": "true",
        "STT_PROVIDER": "loadtest",
        "LLM_PROVIDER": "loadtest",
        "TTS_PROVIDER": "loadtest",
        "MEDIA_DRAIN_SECONDS": str(drain_seconds),
        "LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "media_server", "--host", "127.0.0.1", "--port", "0",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        async with asyncio.timeout(GUARD_SECONDS):
            line = (await process.stdout.readline()).decode()
        found = re.search(r"ws://127\.0\.0\.1:(\d+)", line)
        assert found, f"no address in {line!r}"
        yield process, f"ws://127.0.0.1:{found.group(1)}/twilio"
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def refused(url: str) -> bool:
    """Whether the server turns a new socket away (503 while closing, then no listener)."""
    try:
        async with connect(url):
            return False
    except InvalidStatus as exc:
        return exc.response.status_code == 503
    except OSError:
        return True


async def until_refused(url: str) -> None:
    async with asyncio.timeout(GUARD_SECONDS):
        while not await refused(url):
            await asyncio.sleep(0.02)


async def start_call(ws: ClientConnection, token: str) -> None:
    """A load-test call, its first turn answered."""
    await ws.send(json.dumps(twilio_start(token)))
    await say_si(ws)


async def test_sigterm_drains_the_live_call_then_exits():
    async with media_process(drain_seconds=60) as (process, url):
        async with connect(url) as ws:
            await start_call(ws, "loadtest:1")
            process.send_signal(signal.SIGTERM)
            await until_refused(url)  # no new calls from now on
            assert (await say_si(ws))["event"] == "media"  # the live one goes on
            assert process.returncode is None
        async with asyncio.timeout(GUARD_SECONDS):
            assert await process.wait() == 0  # its last call ended: the drain is over


async def test_calls_still_live_when_the_drain_runs_out_are_handed_over():
    async with media_process(drain_seconds=0.5) as (process, url):
        async with connect(url) as ws:
            await start_call(ws, "loadtest:2")
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(GUARD_SECONDS):
                with pytest.raises(ConnectionClosed):
                    await read_until_closed(ws)
        assert (ws.close_code, ws.close_reason) == (1012, "media server restarting")
        async with asyncio.timeout(GUARD_SECONDS):
            assert await process.wait() == 0
