"""The hand-over every STT stream shares: transcripts from its producer to `transcripts()`.

A producer (a socket reader, an upload worker, the offline script) puts transcripts, then
either ends the feed or fails it. A failure is raised by `transcripts()` as `SttError`, so
the pipeline learns about a dropped connection where it already waits. The end state is
sticky: iterating again after the end (or the error) ends (or raises) again at once.

It also times the STT latency: from `utterance_cut()` (our VAD called `finalize`) to the
next transcript that ends an utterance.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from media_server.providers.errors import SttError
from media_server.providers.latency import LatencyClock
from media_server.providers.stt.base import Transcript
from shared.observability.metrics import STT_LATENCY


class TranscriptFeed:
    def __init__(self, provider: str) -> None:
        self._queue: asyncio.Queue[Transcript | SttError | None] = asyncio.Queue()
        self._clock = LatencyClock(STT_LATENCY, provider)
        self._done = False

    @property
    def done(self) -> bool:
        return self._done

    def utterance_cut(self) -> None:
        self._clock.start()

    def put(self, transcript: Transcript) -> None:
        if self._done:
            return
        if transcript.speech_final:
            self._clock.stop()
        self._queue.put_nowait(transcript)

    def fail(self, error: SttError) -> None:
        self._finish(error)

    def end(self) -> None:
        self._finish(None)

    def _finish(self, last: SttError | None) -> None:
        if not self._done:
            self._done = True
            self._queue.put_nowait(last)

    async def transcripts(self) -> AsyncIterator[Transcript]:
        while True:
            item = await self._queue.get()
            if item is None or isinstance(item, SttError):
                self._queue.put_nowait(item)  # sticky: the next reader stops here too
                if item is not None:
                    raise item
                return
            yield item
