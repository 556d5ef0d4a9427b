"""Offline STT for the demo and the tests, without keys and WITHOUT SPEECH RECOGNITION.

    !!! This provider cannot recognise audio. It learns the words through a TEST CHANNEL. !!!

The simulated driver (devstack), just before it plays an utterance's audio into the call,
puts the text of that utterance into the call's `SimulatorTranscriptChannel`. The audio
itself is only counted here. When the pipeline's VAD hears the end of the utterance and
calls `finalize()`, the stream emits the oldest text waiting in the channel as one final
`speech_final` transcript (an empty one if nothing waits, as for a cough). So the turn
timing comes from the audio, exactly as with a real recogniser (VAD, silence, barge-in);
only the words are known in advance instead of being recognised.

A real recogniser also hears words for a moment that its final drops (road noise taken for
"oiga"): `will_mishear` announces such an utterance, whose interim transcript comes out
once `MISHEARD_AFTER_SECONDS` of it has been sent, and whose final is empty. That is how
the simulator plays a false interruption.

One channel per call: build one `OfflineStt` per simulated call and give its `channel` to
that call's simulated driver. Never put this in front of a real caller: nobody fills the
channel, so every utterance comes out empty.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

from media_server.providers.errors import SttError
from media_server.providers.stt.base import Transcript
from media_server.providers.stt.feed import TranscriptFeed

PROVIDER = "offline"
MISHEARD_AFTER_SECONDS = 0.3  # an interim needs this much audio of its utterance


@dataclass(frozen=True)
class Announced:
    """One utterance as the recogniser will report it."""

    final: str
    interim: str = ""  # words heard for a moment before the final (which may drop them)


class SimulatorTranscriptChannel:
    """TEST CHANNEL: the simulated driver announces what it is about to say, in order."""

    def __init__(self) -> None:
        self._utterances: deque[Announced] = deque()

    def will_say(self, text: str) -> None:
        self._utterances.append(Announced(text))

    def will_mishear(self, interim: str) -> None:
        """The next utterance is heard as `interim` for a moment, then as nothing."""
        self._utterances.append(Announced("", interim))

    @property
    def pending(self) -> int:
        return len(self._utterances)

    def upcoming(self) -> Announced | None:
        return self._utterances[0] if self._utterances else None

    def take(self) -> Announced:
        """The oldest announced utterance, or silence when the simulator announced none."""
        return self._utterances.popleft() if self._utterances else Announced("")


class OfflineStt:
    name = PROVIDER

    def __init__(self, channel: SimulatorTranscriptChannel | None = None) -> None:
        self.channel = channel or SimulatorTranscriptChannel()

    async def open(self, *, language: str = "es", sample_rate: int = 8000) -> OfflineSttStream:
        return OfflineSttStream(self.channel, sample_rate)


class OfflineSttStream:
    def __init__(self, channel: SimulatorTranscriptChannel, sample_rate: int) -> None:
        self._channel = channel
        self._bytes_per_second = 2 * sample_rate
        self._received = 0
        self._utterance_start = 0.0
        self._interim_told = False
        self._feed = TranscriptFeed(PROVIDER)

    @property
    def audio_seconds(self) -> float:
        return self._received / self._bytes_per_second

    async def send(self, pcm16: bytes) -> None:
        self._check_open()
        self._received += len(pcm16)
        upcoming = self._channel.upcoming()
        if upcoming is None or not upcoming.interim or self._interim_told:
            return
        start, now = self._utterance_start, self.audio_seconds
        if now - start >= MISHEARD_AFTER_SECONDS:
            self._interim_told = True
            self._feed.put(Transcript(upcoming.interim, False, False, start, now))

    async def finalize(self) -> None:
        """Emit the announced words of the utterance the VAD just cut."""
        self._check_open()
        self._feed.utterance_cut()
        start, end = self._utterance_start, self.audio_seconds
        self._utterance_start = end
        self._interim_told = False
        self._feed.put(Transcript(self._channel.take().final, True, True, start, end))

    def transcripts(self) -> AsyncIterator[Transcript]:
        return self._feed.transcripts()

    async def close(self) -> None:
        self._feed.end()

    def _check_open(self) -> None:
        if self._feed.done:
            raise SttError(PROVIDER, "the stream is closed")
