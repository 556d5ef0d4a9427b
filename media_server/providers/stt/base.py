"""The STT interface every provider implements (Deepgram, Groq, offline).

Audio goes in as PCM16 8 kHz mono (what the telephony delivers); each provider converts
only if its API needs something else. Transcripts come out as they are recognised:
interim ones for barge-in decisions, finals for the turn, `speech_final` when the
provider's endpointing says the driver finished speaking.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Transcript:
    text: str
    is_final: bool  # this stretch of audio will not be re-recognised
    speech_final: bool = False  # the provider heard the end of the utterance
    start_seconds: float = 0.0  # offsets from the start of the stream
    end_seconds: float = 0.0
    confidence: float = 1.0


class SttStream(Protocol):
    """One call's recognition session."""

    @property
    def audio_seconds(self) -> float:
        """Audio sent to the provider so far: what the call is billed for."""
        ...

    async def send(self, pcm16: bytes) -> None:
        """Feed audio as it arrives (any length; 20 ms frames in practice)."""
        ...

    async def finalize(self) -> None:
        """Ask for the finals of what was sent (end of an utterance cut by our VAD)."""
        ...

    def transcripts(self) -> AsyncIterator[Transcript]:
        """Recognised text, in order, until the stream is closed."""
        ...

    async def close(self) -> None: ...


class SttProvider(Protocol):
    name: str

    async def open(self, *, language: str = "es", sample_rate: int = 8000) -> SttStream: ...
