"""A local ElevenLabs TTS: the stream-input WebSocket and the HTTP streaming endpoint.

Audio is a plain tone whose length follows the text (`seconds_per_character` of audio per
character, spaces at the ends excluded), in the requested `output_format` (`ulaw_8000` or
`pcm_<rate>`), so a test can predict exactly how many samples come back.

Socket (`/v1/text-to-speech/{voice_id}/stream-input`), per elevenlabs.md §1: the init
message must come first (`text` a single space); text is buffered and generated on
`flush`, on `try_trigger_generation` once `trigger_characters` are buffered, and on the
end message `{"text": ""}`, after which `{"isFinal": true}` is sent and the socket closed
with 1000. The key is taken from the `xi-api-key` header or from the init message.
HTTP (`POST /v1/text-to-speech/{voice_id}/stream`): the body's text in one streamed answer.

Every session and request is recorded. `latency.first_event_seconds` delays the first
chunk of every generation, `latency.between_chunks_seconds` the ones after it;
`stall_after_chunks` stops the socket's audio there until the client leaves, so a test
can cancel mid-turn; `fail_next(status)` makes the next socket or request fail.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from media_server.audio.codec import pcm16_to_mulaw
from shared.serving import serving

from .script import Latency

KEY_FIELDS = ("xi-api-key", "xi_api_key", "authorization")


@dataclass
class SpeechSession:
    """One socket: handshake, every client message in order, how it ended."""

    voice_id: str
    query: dict[str, str]
    headers: dict[str, str]
    messages: list[dict[str, Any]] = field(default_factory=list)
    chunks_sent: int = 0
    final_sent: bool = False
    client_left_early: bool = False  # the client closed before isFinal

    @property
    def texts(self) -> list[str]:
        """The text messages after the init one, the end message ("") included."""
        return [m["text"] for m in self.messages[1:] if "text" in m]


@dataclass
class HttpSpeech:
    voice_id: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]


class ElevenLabsFake:
    def __init__(
        self,
        *,
        api_key: str | None = None,
        latency: Latency | None = None,
        seconds_per_character: float = 0.06,
        chunk_seconds: float = 0.1,
        trigger_characters: int = 50,
        stall_after_chunks: int | None = None,
    ) -> None:
        self.api_key = api_key
        self.latency = latency or Latency()
        self.seconds_per_character = seconds_per_character
        self.chunk_seconds = chunk_seconds
        self.trigger_characters = trigger_characters
        self.stall_after_chunks = stall_after_chunks
        self.sessions: list[SpeechSession] = []
        self.requests: list[HttpSpeech] = []
        self._failures: deque[int] = deque()
        self.app = Starlette(
            routes=[
                WebSocketRoute("/v1/text-to-speech/{voice_id}/stream-input", self._stream_input),
                Route("/v1/text-to-speech/{voice_id}/stream", self._stream, methods=["POST"]),
            ]
        )

    def fail_next(self, status: int = 500) -> None:
        self._failures.append(status)

    def samples_for(self, text: str, rate: int = 8000) -> int:
        """How many samples at `rate` the audio for `text` has."""
        return round(len(text.strip()) * self.seconds_per_character * rate)

    def audio_for(self, text: str, output_format: str) -> bytes:
        """The tone for `text` in `output_format`: mu-law 8 kHz or PCM16 at its rate."""
        rate = int(output_format.rsplit("_", 1)[1])
        count = self.samples_for(text, rate)
        tone = np.sin(2 * np.pi * 220.0 * np.arange(count) / rate) * 0.3 * 32767
        pcm = tone.astype("<i2").tobytes()
        return pcm16_to_mulaw(pcm) if output_format.startswith("ulaw") else pcm

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        """Serve on a free local port; yields the http:// base URL (sockets use ws://)."""
        async with serving(self.app) as url:
            yield url

    def _authorised(self, *sources: dict[str, Any]) -> bool:
        if self.api_key is None:
            return True
        keys = {str(s.get(k, "")).removeprefix("Bearer ") for s in sources for k in KEY_FIELDS}
        return self.api_key in keys

    async def _stream_input(self, websocket: WebSocket) -> None:
        query = dict(websocket.query_params)
        session = SpeechSession(websocket.path_params["voice_id"], query, dict(websocket.headers))
        self.sessions.append(session)
        await websocket.accept()
        speaking: asyncio.Queue[str | None] = asyncio.Queue()
        speaker = asyncio.create_task(self._speak(websocket, session, speaking))
        buffer = ""
        try:
            while not speaker.done():
                message = json.loads(await websocket.receive_text())
                session.messages.append(message)
                if len(session.messages) == 1:
                    problem = self._refusal(session, message)
                    if problem:
                        await _send_error(websocket, *problem)
                        return
                    continue
                text = message.get("text", "")
                if text == "":
                    speaking.put_nowait(buffer)
                    speaking.put_nowait(None)
                    buffer = ""
                    continue
                buffer += text
                trigger = message.get("try_trigger_generation") and (
                    len(buffer) >= self.trigger_characters
                )
                if message.get("flush") or trigger:
                    speaking.put_nowait(buffer)
                    buffer = ""
            await speaker
        except WebSocketDisconnect:
            session.client_left_early = not session.final_sent
        finally:
            speaker.cancel()
            await asyncio.gather(speaker, return_exceptions=True)

    def _refusal(self, session: SpeechSession, init: dict[str, Any]) -> tuple[str, str] | None:
        if not self._authorised(session.headers, init):
            return "invalid_api_key", "Invalid API key"
        if init.get("text") != " ":
            return "invalid_message", "the first message must have text ' '"
        if self._failures:
            return "internal_error", f"scripted failure {self._failures.popleft()}"
        return None

    async def _speak(
        self, websocket: WebSocket, session: SpeechSession, texts: asyncio.Queue[str | None]
    ) -> None:
        output_format = session.query.get("output_format", "ulaw_8000")
        while (text := await texts.get()) is not None:
            async for chunk in self._chunks(self.audio_for(text, output_format), output_format):
                stall = self.stall_after_chunks
                if stall is not None and session.chunks_sent >= stall:
                    await asyncio.Event().wait()  # until the client leaves
                message = {"audio": base64.b64encode(chunk).decode(), "alignment": None}
                await websocket.send_text(json.dumps(message | {"normalizedAlignment": None}))
                session.chunks_sent += 1
        await websocket.send_text(json.dumps({"isFinal": True}))
        session.final_sent = True
        await websocket.close(1000)

    async def _chunks(self, audio: bytes, output_format: str) -> AsyncIterator[bytes]:
        rate = int(output_format.rsplit("_", 1)[1])
        size = round(self.chunk_seconds * rate) * (1 if output_format.startswith("ulaw") else 2)
        for index, start in enumerate(range(0, len(audio), size)):
            await asyncio.sleep(
                self.latency.first_event_seconds
                if index == 0
                else self.latency.between_chunks_seconds
            )
            yield audio[start : start + size]

    async def _stream(self, request: Request) -> Response:
        body = await request.json()
        query = dict(request.query_params)
        recorded = HttpSpeech(request.path_params["voice_id"], query, dict(request.headers), body)
        self.requests.append(recorded)
        if not self._authorised(recorded.headers):
            return _http_error(401, "invalid_api_key", "Invalid API key")
        if self._failures:
            return _http_error(self._failures.popleft(), "internal_error", "scripted failure")
        output_format = query.get("output_format", "ulaw_8000")
        audio = self.audio_for(str(body.get("text", "")), output_format)
        return StreamingResponse(
            self._chunks(audio, output_format), media_type="application/octet-stream"
        )


async def _send_error(websocket: WebSocket, code: str, message: str) -> None:
    await websocket.send_text(json.dumps({"message": message, "error": code, "code": 1008}))
    await websocket.close(1008, code)


def _http_error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"detail": {"status": code, "message": message}}, status_code=status)
