"""Load-test TTS: a second of tone per sentence, all at once, after a set delay.

BENCHMARK AID, chosen with `TTS_PROVIDER=loadtest`. Synthesis costs nothing, so a run
measures the pipeline and the pacing; `LOADTEST_TTS_FIRST_BYTE_MS` models a vendor's time
to first byte. The audio is a precomputed 440 Hz tone at about -20 dBFS: real samples go
through the same codecs as speech would.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from functools import cache

from media_server.providers.tts.feed import AudioFeed

PROVIDER = "loadtest"


@cache
def tone(sample_rate: int, seconds: float = 1.0) -> bytes:
    count = round(seconds * sample_rate)
    wave = (round(3277 * math.sin(2 * math.pi * 440 * n / sample_rate)) for n in range(count))
    return b"".join(sample.to_bytes(2, "little", signed=True) for sample in wave)


class LoadtestTts:
    name = PROVIDER

    def __init__(self, first_byte_ms: float = 0.0, seconds_per_sentence: float = 1.0) -> None:
        self._delay = first_byte_ms / 1000
        self._seconds = seconds_per_sentence

    async def open(self, *, sample_rate: int = 8000) -> LoadtestTtsStream:
        return LoadtestTtsStream(self._delay, tone(sample_rate, self._seconds))


class LoadtestTtsStream:
    def __init__(self, delay_seconds: float, audio: bytes) -> None:
        self._delay = delay_seconds
        self._audio = audio
        self._feed = AudioFeed(PROVIDER)
        self._characters = 0
        self._pending: list[asyncio.TimerHandle] = []
        self._ending = False

    @property
    def characters(self) -> int:
        return self._characters

    async def send_text(self, text: str) -> None:
        if self._feed.done or not text.strip():
            return
        self._characters += len(text)
        self._feed.text_sent()
        if self._delay:
            self._pending.append(asyncio.get_running_loop().call_later(self._delay, self._speak))
        else:
            self._speak()

    def _speak(self) -> None:
        if self._pending:
            self._pending.pop(0)
        self._feed.put(self._audio)
        if self._ending and not self._pending:
            self._feed.end()

    async def end_input(self) -> None:
        self._ending = True
        if not self._pending:
            self._feed.end()

    def audio(self) -> AsyncIterator[bytes]:
        return self._feed.audio()

    async def cancel(self) -> None:
        for handle in self._pending:
            handle.cancel()
        self._pending.clear()
        self._feed.cancel()
