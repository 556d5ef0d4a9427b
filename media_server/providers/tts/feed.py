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
