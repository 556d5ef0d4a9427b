"""A real media server and a real dispatcher for the media bridge's tests (`make test-bridge`).

`python -m devstack.bridge_fixture` starts `python -m media_server` (the production entry
point) over a scratch Postgres database and its own Redis key prefix, prints one JSON line
when it is ready, then answers JSON-line requests on stdin until stdin closes, when it
stops the server and removes what it made. The bridge's Node tests spawn it.

Calls are dialed by the real `CallDispatcher` (session opened, media token issued and bound);
its dialer does what `RingCentralDialer` does once RingCentral has answered the call-out:
leave the token in Redis under the leg's telephony session id (`MediaLegs.publish`). The
server runs the load-test agent and voice (one fixed reply, one second of tone a
sentence), and hears through the real Deepgram SDK against the local Deepgram fake, which
says the words a test asks for: interim words are what let a driver barge in.

Requests are `{"id": N, "op": ..., ...}`; each answer is `{"id": N, "ok": true, "result":
...}` or `{"id": N, "ok": false, "error": "..."}`:
- `dial` `{"phone"}`: `{"call_id", "telephony_session_id"}`, the token left for the bridge;
- `publish` `{"telephony_session_id", "token"}`: leave any token (a forged one, say);
- `say` `{"text", "after_seconds"}`: what the driver says next (the fake's script);
- `voice` `{"seconds"}`: a synthetic utterance as base64 mu-law, the simulated driver's voice;
- `call_ended` `{"call_id", "timeout_seconds"}`: the call's audit record once it is final.

DATABASE_URL / REDIS_URL are used when set; otherwise the embedded servers start, as for
the test suite (devstack/services.py).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import os
import secrets
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from devstack.fakes.deepgram_fake import DeepgramFake, Utterance
from devstack.services import ensure_data_stores, migrated_database
from media_server.audio import SAMPLE_RATE
from media_server.audio.codec import pcm16_to_mulaw
from media_server.providers.tts.offline import synthetic_voice
from shared.calls.dispatch import DispatchOutcome
from shared.calls.plane import ControlPlane, open_control_plane
from shared.config import Settings, load_settings
from shared.domain.call import CallStatus, Direction
from shared.observability.logging import configure_logging
from shared.queue import DispatchMessage
from shared.state.redis import create_redis
from shared.telephony.dialer import DialResult, MediaLegs

ROOT = Path(__file__).resolve().parent.parent
DEEPGRAM_KEY = "bridge-fixture-key"
READY_TIMEOUT_SECONDS = 60.0

Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class LegsDialer:
    """The RingCentral dialer past its call-out: each dial is a ringing leg with its token."""

    def __init__(self, legs: MediaLegs) -> None:
        self._legs = legs
        self.dialed: dict[str, str] = {}  # call id -> telephony session id

    async def dial(self, call_id: str, phone: str, media_token: str) -> DialResult:
        telephony_session_id = f"s-{uuid.uuid4().hex}"
        await self._legs.publish(telephony_session_id, media_token)
        self.dialed[call_id] = telephony_session_id
        return DialResult(telephony_session_id)

    async def hang_up(self, telephony_session_id: str) -> None:
        """Nothing rings here to hang up."""


@contextlib.asynccontextmanager
async def media_server(settings: Settings, deepgram_url: str) -> AsyncIterator[str]:
    """`python -m media_server` on a free port; yields its /media URL, stops it on exit."""
    assert settings.database_url and settings.redis_url
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "REDIS_KEY_PREFIX": settings.redis_key_prefix,
        "MEDIA_TOKEN_SECRET": settings.media_token_secret.get_secret_value(),
        "API_TOKEN": secrets.token_urlsafe(16),
        "MEDIA_HOST": "127.0.0.1",
        "MEDIA_PORT": "0",
        "MEDIA_DRAIN_SECONDS": "0",
        "STT_PROVIDER": "deepgram",
        "DEEPGRAM_API_KEY": DEEPGRAM_KEY,
        "DEEPGRAM_BASE_URL": deepgram_url,
        "LLM_PROVIDER": "loadtest",
        "TTS_PROVIDER": "loadtest",
        "MEDIA_ACCEPT_UNBOUND_TOKENS_FOR_LOADTEST": "false",
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "media_server",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert server.stdout is not None
    output = server.stdout
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            url = await _announced_url(output)
        forwarding = asyncio.create_task(_forward(output))
        try:
            yield f"{url}/media"
        finally:
            server.send_signal(signal.SIGTERM)
            await forwarding
    finally:
        if server.returncode is None:
            server.kill()
        await server.wait()


async def _announced_url(output: asyncio.StreamReader) -> str:
    """The ws:// URL the server prints once it listens; its other lines go to stderr."""
    marker = "Karla media server on "
    while line := (await output.readline()).decode():
        sys.stderr.write(line)
        if marker in line:
            return line.split(marker, 1)[1].split()[0]
    raise RuntimeError("the media server exited before it listened")


async def _forward(output: asyncio.StreamReader) -> None:
    while line := await output.readline():
        sys.stderr.write(line.decode())


def fixture_settings(database_url: str, redis_url: str) -> Settings:
    """Settings of this run: its own key prefix and token secret, any hour a calling hour."""
    return load_settings(
        database_url=database_url,
        redis_url=redis_url,
        redis_key_prefix=f"karla-bridge-test:{uuid.uuid4().hex[:10]}:",
        media_token_secret=secrets.token_urlsafe(32),
        dispatch_queue_url="",
        calling_window_start=dt.time(0, 0),
        calling_window_end=dt.time(23, 59, 59, 999999),
        dial_rate_per_second=100.0,
        dial_rate_burst=100,
        stt_provider="deepgram",
        deepgram_api_key=DEEPGRAM_KEY,
        llm_provider="loadtest",
        tts_provider="loadtest",
    )


class Fixture:
    def __init__(self, plane: ControlPlane, dialer: LegsDialer, deepgram: DeepgramFake) -> None:
        self._plane = plane
        self._dialer = dialer
        self._deepgram = deepgram
        self.handlers: dict[str, Handler] = {
            "dial": self.dial,
            "publish": self.publish,
            "say": self.say,
            "voice": self.voice,
            "call_ended": self.call_ended,
        }

    async def dial(self, request: dict[str, Any]) -> dict[str, str]:
        phone = str(request["phone"])
        call_id = uuid.uuid4()
        driver_id = f"D-{call_id.hex[:8]}"
        audit = self._plane.audit
        await audit.drivers.upsert(driver_id, phone, "Operador de Prueba")
        await audit.calls.create(
            call_id, driver_id, None, phone, Direction.OUTBOUND, CallStatus.QUEUED
        )
        outcome = await self._plane.dispatcher.handle(
            DispatchMessage(call_id=str(call_id)), self._plane.clock()
        )
        if outcome is not DispatchOutcome.DIALED:
            raise RuntimeError(f"the dispatcher did not dial: {outcome.value}")
        telephony_session_id = self._dialer.dialed[str(call_id)]
        return {"call_id": str(call_id), "telephony_session_id": telephony_session_id}

    async def publish(self, request: dict[str, Any]) -> None:
        legs = MediaLegs(self._plane.redis, self._plane.settings.redis_key_prefix)
        await legs.publish(str(request["telephony_session_id"]), str(request["token"]))

    async def say(self, request: dict[str, Any]) -> None:
        self._deepgram.enqueue(Utterance(str(request["text"]), float(request["after_seconds"])))

    async def voice(self, request: dict[str, Any]) -> str:
        pcm = synthetic_voice(float(request["seconds"]), SAMPLE_RATE, 0.3)
        return base64.b64encode(pcm16_to_mulaw(pcm)).decode()

    async def call_ended(self, request: dict[str, Any]) -> dict[str, Any]:
        call_id = uuid.UUID(str(request["call_id"]))
        deadline = time.monotonic() + float(request.get("timeout_seconds", 10))
        while True:
            call = await self._plane.audit.calls.get(call_id)
            if call is not None and call.status.is_final:
                return {
                    "status": call.status.value,
                    "outcome": call.outcome.value if call.outcome else None,
                    "stt_audio_seconds": call.usage.stt_audio_seconds,
                    "tts_characters": call.usage.tts_characters,
                }
            if time.monotonic() > deadline:
                status = call.status.value if call else "missing"
                raise TimeoutError(f"call {call_id} is still {status}")
            await asyncio.sleep(0.05)


async def serve_requests(fixture: Fixture) -> None:
    """Answer stdin's requests, each in its own task, until stdin closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    tasks: set[asyncio.Task[None]] = set()
    while line := await reader.readline():
        task = asyncio.create_task(_answer(fixture, json.loads(line)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)


async def _answer(fixture: Fixture, request: dict[str, Any]) -> None:
    reply: dict[str, Any] = {"id": request.get("id")}
    try:
        handler = fixture.handlers[str(request.get("op"))]
        reply |= {"ok": True, "result": await handler(request)}
    except Exception as exc:  # every failure goes back to the test that asked
        reply |= {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    _emit(reply)


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def run() -> None:
    """Everything up, answer requests until stdin closes (or SIGTERM), everything down."""
    me = asyncio.current_task()
    assert me is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, me.cancel)
    stores = await asyncio.to_thread(
        ensure_data_stores,
        ROOT / ".state" / "bridge-test",
        os.environ.get("DATABASE_URL"),
        os.environ.get("REDIS_URL"),
    )
    deepgram = DeepgramFake(api_key=DEEPGRAM_KEY)
    async with (
        migrated_database(stores.database_url, "karla_bridge") as database_url,
        deepgram.running() as deepgram_url,
    ):
        settings = fixture_settings(database_url, stores.redis_url)
        redis = create_redis(stores.redis_url)
        dialer = LegsDialer(MediaLegs(redis, settings.redis_key_prefix))
        try:
            async with (
                media_server(settings, deepgram_url) as media_url,
                open_control_plane(settings, dialer=dialer) as plane,
            ):
                _emit(
                    {
                        "ready": True,
                        "media_url": media_url,
                        "redis_url": stores.redis_url,
                        "redis_key_prefix": settings.redis_key_prefix,
                    }
                )
                await serve_requests(Fixture(plane, dialer, deepgram))
        finally:
            keys = [key async for key in redis.scan_iter(match=f"{settings.redis_key_prefix}*")]
            if keys:
                await redis.delete(*keys)
            await redis.aclose()


def main() -> int:
    configure_logging("WARNING")  # to stderr: stdout carries the JSON lines
    with contextlib.suppress(asyncio.CancelledError):
        asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
