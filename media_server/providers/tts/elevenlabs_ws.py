"""The ElevenLabs stream-input WebSocket leg, on the `websockets` library (no vendor SDK).

Why not the SDK: the `elevenlabs` SDK's only stream-input helper (`convert_realtime`) is
synchronous (it would block the event loop of every call in the process) and forces `wss`.
So this follows elevenlabs.md §1 to the letter instead, and `elevenlabs.py` keeps the SDK
for the HTTP streaming leg.

One socket per Karla turn, opened by `connect` (call it as the turn starts, so the
handshake overlaps the LLM's first token):
1. upgrade with the `xi-api-key` header; init message `{"text": " ", "voice_settings": ...}`;
2. each sentence `{"text": "<sentence> ", "flush": true}`: the agent hands whole sentences,
   and a turn cannot wait for the default 120-character schedule, so each is generated now;
3. `end_input` sends `{"text": ""}`; the server sends the rest, `{"isFinal": true}`, closes.
Audio arrives as base64 in `ulaw_8000` (listed for the socket; no resampling for 8 kHz
telephony, and decoding mu-law is a table lookup) or `pcm_<rate>` for other rates.
`cancel()` drops the queued audio and closes the socket at once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from media_server.audio.codec import mulaw_to_pcm16
from media_server.providers.errors import TtsError, close_reason
from media_server.providers.tts.feed import AudioFeed

PROVIDER = "elevenlabs"
OPEN_TIMEOUT_SECONDS = 5.0
CLOSE_TIMEOUT_SECONDS = 1.0


def output_format_for(sample_rate: int) -> str:
    return "ulaw_8000" if sample_rate == 8000 else f"pcm_{sample_rate}"


def bytes_per_second(output_format: str) -> int:
    """Of `ulaw_8000` (one byte a sample) or `pcm_<rate>` (two)."""
    rate = int(output_format.rsplit("_", 1)[1])
    return rate if output_format.startswith("ulaw") else 2 * rate


class AudioDecoder:
    """Vendor bytes to PCM16: mu-law decoded; raw PCM re-joined on sample boundaries."""

    def __init__(self, output_format: str) -> None:
        self._mulaw = output_format.startswith("ulaw")
        self._odd_byte = b""

    def __call__(self, chunk: bytes) -> bytes:
        if self._mulaw:
            return mulaw_to_pcm16(chunk)
        chunk = self._odd_byte + chunk
        whole = len(chunk) & ~1
        self._odd_byte = chunk[whole:]
        return chunk[:whole]


def stream_input_url(ws_base: str, voice_id: str, query: dict[str, str]) -> str:
    return f"{ws_base.rstrip('/')}/v1/text-to-speech/{voice_id}/stream-input?{urlencode(query)}"


class ElevenLabsWsStream:
    def __init__(self, socket: ClientConnection, output_format: str) -> None:
        self._socket = socket
        self._decode = AudioDecoder(output_format)
        self._feed = AudioFeed(PROVIDER)
        self._characters = 0
        self._cancelled = False
        self._final = False
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(
        cls, url: str, *, api_key: str, voice_settings: dict[str, Any], output_format: str
    ) -> ElevenLabsWsStream:
        try:
            socket = await connect(
                url,
                additional_headers={"xi-api-key": api_key},
                open_timeout=OPEN_TIMEOUT_SECONDS,
                close_timeout=CLOSE_TIMEOUT_SECONDS,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            raise TtsError(PROVIDER, f"connection refused (HTTP {status})") from exc
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise TtsError(PROVIDER, f"cannot connect: {exc!r}") from exc
        stream = cls(socket, output_format)
        await stream._send({"text": " ", "voice_settings": voice_settings})
        return stream

    @property
    def characters(self) -> int:
        return self._characters

    async def send_text(self, text: str) -> None:
        if self._cancelled or not text.strip():
            return
        self._characters += len(text)
        self._feed.text_sent()
        await self._send({"text": text if text.endswith(" ") else f"{text} ", "flush": True})

    async def end_input(self) -> None:
        if not self._cancelled:
            await self._send({"text": ""})

    def audio(self) -> AsyncIterator[bytes]:
        return self._feed.audio()

    async def cancel(self) -> None:
        if self._cancelled:
            return
        self._cancelled = True
        self._feed.cancel()
        self._reader.cancel()
        await self._socket.close()

    async def _send(self, message: dict[str, Any]) -> None:
        try:
            await self._socket.send(json.dumps(message))
        except ConnectionClosed as exc:
            raise TtsError(PROVIDER, f"connection closed ({close_reason(exc)})") from exc

    async def _read(self) -> None:
        try:
            async for raw in self._socket:
                message = json.loads(raw)
                if not isinstance(message, dict):
                    raise ValueError(f"not a JSON object: {raw!r:.80}")
                self._handle(message)
                if self._final:
                    break
        except ConnectionClosed as exc:
            self._feed.fail(TtsError(PROVIDER, f"connection closed ({close_reason(exc)})"))
        except TtsError as exc:
            self._feed.fail(exc)
        except ValueError as exc:  # not JSON, or not base64
            self._feed.fail(TtsError(PROVIDER, f"bad message: {exc}"))
        else:
            if self._final:
                self._feed.end()
            else:
                self._feed.fail(TtsError(PROVIDER, "closed before the end of the audio"))
        with contextlib.suppress(ConnectionClosed, OSError):
            await self._socket.close()

    def _handle(self, message: dict[str, Any]) -> None:
        if message.get("audio"):
            self._feed.put(self._decode(base64.b64decode(message["audio"])))
        if message.get("isFinal"):
            self._final = True
        elif message.get("message") or message.get("error"):
            detail = message.get("message") or message.get("error")
            raise TtsError(PROVIDER, f"server error: {detail}")
