"""Load-test STT: recognises nothing, but ends an utterance on a sentinel frame.

BENCHMARK AID, chosen with `STT_PROVIDER=loadtest`. The load generator (bench/) marks the
end of each scripted utterance with one 20 ms frame whose mu-law payload is
`EOU_SENTINEL_MULAW`; decoded, that is `EOU_SENTINEL_PCM16`. When this stream is sent that
exact frame it emits the final transcript "sí" with `speech_final`, after
`LOADTEST_STT_LATENCY_MS` (0 by default): the same instant for every bot under test, so
the benchmark measures the pipeline, not a recogniser. The sentinel ends a voiced
utterance, so the pipeline's VAD is still in speech and forwards it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from media_server.audio import MULAW_FRAME_BYTES
from media_server.audio.codec import mulaw_to_pcm16
from media_server.providers.errors import SttError
from media_server.providers.stt.base import Transcript
from media_server.providers.stt.feed import TranscriptFeed

PROVIDER = "loadtest"
EOU_SENTINEL_MULAW = (b"KARLA-EOU-SENTINEL" * 9)[:MULAW_FRAME_BYTES]
EOU_SENTINEL_PCM16 = mulaw_to_pcm16(EOU_SENTINEL_MULAW)
EOU_TRANSCRIPT = "sí"


def is_eou_sentinel(pcm16: bytes) -> bool:
    """Whether a decoded 20 ms frame is the end-of-utterance sentinel."""
    return pcm16 == EOU_SENTINEL_PCM16


class LoadtestStt:
    name = PROVIDER

    def __init__(self, latency_ms: float = 0.0) -> None:
        self._latency = latency_ms / 1000

    async def open(self, *, language: str = "es", sample_rate: int = 8000) -> LoadtestSttStream:
        return LoadtestSttStream(self._latency, sample_rate)


class LoadtestSttStream:
    def __init__(self, latency_seconds: float, sample_rate: int) -> None:
        self._latency = latency_seconds
        self._bytes_per_second = 2 * sample_rate
        self._received = 0
        self._feed = TranscriptFeed(PROVIDER)

    @property
    def audio_seconds(self) -> float:
        return self._received / self._bytes_per_second

    async def send(self, pcm16: bytes) -> None:
        if self._feed.done:
            raise SttError(PROVIDER, "the stream is closed")
        self._received += len(pcm16)
        if is_eou_sentinel(pcm16):
            self._feed.utterance_cut()
            at = self.audio_seconds
            final = Transcript(EOU_TRANSCRIPT, True, True, at, at)
            if self._latency:
                asyncio.get_running_loop().call_later(self._latency, self._feed.put, final)
            else:
                self._feed.put(final)

    async def finalize(self) -> None:
        """Nothing to flush: the sentinel, not our VAD, ends a load-test utterance."""

    def transcripts(self) -> AsyncIterator[Transcript]:
        return self._feed.transcripts()

    async def close(self) -> None:
        self._feed.end()
