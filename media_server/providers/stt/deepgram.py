"""Deepgram Nova-2 streaming STT (production), through deepgram-sdk's async Listen v1 socket.

The query asks for what a phone turn needs:
- `linear16` at the call's rate, mono: the telephony already delivers PCM16 8 kHz, so
  audio goes out untouched and billing follows the bytes sent.
- `interim_results`: partial words let the pipeline tell a barge-in from cabin noise.
- `endpointing` (300 ms of silence sets `speech_final`) and `utterance_end_ms`: in a noisy
  cab endpointing may never hear silence, so an `UtteranceEnd` after words that were not
  closed by `speech_final` becomes an empty `speech_final` transcript and the turn still ends.
- `smart_format` and `punctuate`: the agent reads dates, numbers and questions better.

`finalize()` sends Finalize when our VAD cuts the utterance; Deepgram answers with a final
marked `from_finalize` (empty if nothing was pending), which is mapped to `speech_final` so
that every provider ends an utterance the same way: a final transcript with `speech_final`.
An empty one may follow a `speech_final` Deepgram already sent; it adds no words.

Deepgram drops a socket that gets neither audio nor KeepAlive for 10 s (NET-0001), so a
KeepAlive goes out after `keepalive_seconds` without audio (e.g. while the pipeline mutes
the driver). `close()` sends CloseStream and waits for the flush and the server's close.

The socket is read here rather than with the SDK's `start_listening()`, which turns the
error that closed the socket into an ERROR event; the pipeline must get it as an exception
from `transcripts()`. A close the stream did not ask for is an error, whatever its code.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from contextlib import AsyncExitStack
from urllib.parse import urlsplit, urlunsplit

from deepgram import AsyncDeepgramClient, DeepgramClientEnvironment
from deepgram.core.api_error import ApiError
from deepgram.listen.v1.socket_client import AsyncV1SocketClient
from deepgram.listen.v1.types import ListenV1Error, ListenV1Results, ListenV1UtteranceEnd
from websockets.exceptions import ConnectionClosed, WebSocketException

from media_server.providers.errors import SttError, close_reason
from media_server.providers.stt.base import Transcript
from media_server.providers.stt.feed import TranscriptFeed

PROVIDER = "deepgram"
CLOSE_TIMEOUT_SECONDS = 5.0  # CloseStream to the server's close; then the socket is dropped


def environment_for(base_url: str) -> DeepgramClientEnvironment:
    """All SDK endpoints at one host (a local fake); http(s) or ws(s) may be given."""
    parts = urlsplit(base_url.rstrip("/"))
    secure = parts.scheme in ("https", "wss")
    http = urlunsplit(parts._replace(scheme="https" if secure else "http"))
    ws = urlunsplit(parts._replace(scheme="wss" if secure else "ws"))
    return DeepgramClientEnvironment(base=http, production=ws, agent=ws, agent_rest=http)


class DeepgramStt:
    name = PROVIDER

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        model: str = "nova-2",
        endpointing_ms: int = 300,
        utterance_end_ms: int = 1000,
        keepalive_seconds: float = 4.0,
    ) -> None:
        environment = (
            DeepgramClientEnvironment.PRODUCTION if base_url is None else environment_for(base_url)
        )
        self._client = AsyncDeepgramClient(api_key=api_key, environment=environment)
        self._model = model
        self._endpointing_ms = endpointing_ms
        self._utterance_end_ms = utterance_end_ms
        self._keepalive_seconds = keepalive_seconds

    async def open(self, *, language: str = "es", sample_rate: int = 8000) -> DeepgramStream:
        exits = AsyncExitStack()
        try:
            connection = await exits.enter_async_context(
                self._client.listen.v1.connect(
                    model=self._model,
                    language=language,
                    encoding="linear16",
                    sample_rate=str(sample_rate),
                    channels="1",
                    interim_results="true",
                    endpointing=str(self._endpointing_ms),
                    utterance_end_ms=str(self._utterance_end_ms),
                    smart_format="true",
                    punctuate="true",
                )
            )
        except ApiError as exc:
            raise SttError(PROVIDER, f"connection refused (HTTP {exc.status_code})") from exc
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise SttError(PROVIDER, f"cannot connect: {exc!r}") from exc
        return DeepgramStream(
            connection, exits, sample_rate=sample_rate, keepalive_seconds=self._keepalive_seconds
        )


class DeepgramStream:
    def __init__(
        self,
        connection: AsyncV1SocketClient,
        exits: AsyncExitStack,
        *,
        sample_rate: int,
        keepalive_seconds: float,
    ) -> None:
        self._connection = connection
        self._exits = exits
        self._bytes_per_second = 2 * sample_rate
        self._bytes_sent = 0
        self._feed = TranscriptFeed(PROVIDER)
        self._words_pending = False  # finals with words not yet closed by speech_final
        self._closing = False
        loop = asyncio.get_running_loop()
        self._last_sent = loop.time()
        self._reader = asyncio.create_task(self._read())
        self._keepalive = asyncio.create_task(self._keep_alive(keepalive_seconds))

    @property
    def audio_seconds(self) -> float:
        return self._bytes_sent / self._bytes_per_second

    async def send(self, pcm16: bytes) -> None:
        await self._checked(self._connection.send_media(pcm16))
        self._bytes_sent += len(pcm16)
        self._last_sent = asyncio.get_running_loop().time()

    async def finalize(self) -> None:
        self._feed.utterance_cut()
        await self._checked(self._connection.send_finalize())

    def transcripts(self) -> AsyncIterator[Transcript]:
        return self._feed.transcripts()

    async def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._keepalive.cancel()
        with contextlib.suppress(ConnectionClosed):
            await self._connection.send_close_stream()
        try:
            await asyncio.wait_for(asyncio.shield(self._reader), CLOSE_TIMEOUT_SECONDS)
        except TimeoutError:
            self._reader.cancel()
        with contextlib.suppress(ConnectionClosed, OSError):
            await self._exits.aclose()
        self._feed.end()

    async def _checked(self, sending: Awaitable[None]) -> None:
        """Await a send; a socket already gone is the pipeline's SttError, not a vendor's."""
        try:
            await sending
        except ConnectionClosed as exc:
            raise SttError(PROVIDER, f"connection closed ({close_reason(exc)})") from exc

    async def _read(self) -> None:
        try:
            async for message in self._connection:
                self._handle(message)
        except ConnectionClosed as exc:
            self._feed.fail(SttError(PROVIDER, f"connection closed ({close_reason(exc)})"))
        except SttError as exc:
            self._feed.fail(exc)
        else:
            if self._closing:
                self._feed.end()
            else:
                self._feed.fail(SttError(PROVIDER, "the server ended the stream"))

    def _handle(self, message: object) -> None:
        if isinstance(message, ListenV1Results):
            self._on_results(message)
        elif isinstance(message, ListenV1UtteranceEnd) and self._words_pending:
            self._words_pending = False
            end = message.last_word_end
            self._feed.put(Transcript("", True, True, end, end))
        elif isinstance(message, ListenV1Error):
            raise SttError(PROVIDER, f"{message.variant}: {message.description}")

    def _on_results(self, result: ListenV1Results) -> None:
        alternatives = result.channel.alternatives
        best = alternatives[0] if alternatives else None
        text = best.transcript.strip() if best is not None else ""
        is_final = bool(result.is_final)
        speech_final = bool(result.speech_final or result.from_finalize)
        if not text and not speech_final:
            return  # silence: interims and finals without words
        if is_final or speech_final:
            self._words_pending = bool(text) and not speech_final
        self._feed.put(
            Transcript(
                text=text,
                is_final=is_final or speech_final,
                speech_final=speech_final,
                start_seconds=result.start,
                end_seconds=result.start + result.duration,
                confidence=best.confidence if best is not None else 0.0,
            )
        )

    async def _keep_alive(self, interval: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            idle = loop.time() - self._last_sent
            if idle >= interval:
                try:
                    await self._connection.send_keep_alive()
                except ConnectionClosed:
                    return  # the reader reports it
                self._last_sent = loop.time()
                idle = 0.0
            await asyncio.sleep(interval - idle)
