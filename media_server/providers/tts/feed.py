"""The hand-over every TTS stream shares: PCM16 chunks from its producer to `audio()`.

A producer (a socket reader, an HTTP worker, the offline synthesiser) puts audio, then
ends the feed or fails it; a failure is raised by `audio()` as `TtsError`. `cancel()` is
barge-in: what is queued is dropped and `audio()` ends at once. The end state is sticky,
so iterating again ends (or raises) again at once.

It also times TTS_FIRST_BYTE: from the first text of the turn to its first audio chunk,
once per turn (later sentences start while earlier audio still plays).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from media_server.providers.errors import TtsError
from media_server.providers.latency import LatencyClock
from shared.observability.metrics import TTS_FIRST_BYTE


class AudioFeed:
    def __init__(self, provider: str) -> None:
        self._queue: asyncio.Queue[bytes | TtsError | None] = asyncio.Queue()
        self._clock = LatencyClock(TTS_FIRST_BYTE, provider)
        self._text_seen = False
        self._done = False

    @property
    def done(self) -> bool:
        return self._done

    def text_sent(self) -> None:
        if not self._text_seen:
            self._text_seen = True
            self._clock.start()

    def put(self, pcm16: bytes) -> None:
        if pcm16 and not self._done:
            self._clock.stop()
            self._queue.put_nowait(pcm16)

    def end(self) -> None:
        self._finish(None)

    def fail(self, error: TtsError) -> None:
        self._finish(error)

    def cancel(self) -> None:
        """Drop the audio not yet taken and end: nothing more is played."""
        if not self._done:
            while not self._queue.empty():
                self._queue.get_nowait()
            self._finish(None)

    def _finish(self, last: TtsError | None) -> None:
        if not self._done:
            self._done = True
            self._queue.put_nowait(last)

    async def audio(self) -> AsyncIterator[bytes]:
        while True:
            item = await self._queue.get()
            if item is None or isinstance(item, TtsError):
                self._queue.put_nowait(item)  # sticky: the next reader stops here too
                if item is not None:
                    raise item
                return
            yield item


class SentenceByRequestStream:
    """A TTS stream that speaks each sentence it is sent as one request, in order.

    Subclasses say how one sentence becomes audio (`_speak`, raising `TtsError` on
    failure); queueing, usage, barge-in and the feed's end are the same for all of them.
    """

    def __init__(self, provider: str) -> None:
        self._feed = AudioFeed(provider)
        self._texts: asyncio.Queue[str | None] = asyncio.Queue()
        self._characters = 0
        self._cancelled = False
        self._worker = asyncio.create_task(self._speak_in_order())

    @property
    def characters(self) -> int:
        return self._characters

    async def send_text(self, text: str) -> None:
        if self._cancelled or not text.strip():
            return
        self._characters += len(text)
        self._feed.text_sent()
        self._texts.put_nowait(text)

    async def end_input(self) -> None:
        self._texts.put_nowait(None)

    def audio(self) -> AsyncIterator[bytes]:
        return self._feed.audio()

    async def cancel(self) -> None:
        """Drop the queued audio and abort the sentence in flight."""
        if self._cancelled:
            return
        self._cancelled = True
        self._feed.cancel()
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._worker

    async def _speak(self, text: str, previous: str | None) -> None:
        """Put `text`'s audio on the feed; `previous` is the sentence spoken before it."""
        raise NotImplementedError

    async def _speak_in_order(self) -> None:
        previous: str | None = None
        try:
            while (text := await self._texts.get()) is not None:
                await self._speak(text, previous)
                previous = text
        except TtsError as exc:
            self._feed.fail(exc)
        else:
            self._feed.end()
