"""The TTS interface every provider implements (ElevenLabs Flash/Turbo, offline).

Text goes in a sentence at a time, as the agent streams it, so the first audio can play
before the reply is complete; audio comes out as PCM16 8 kHz mono chunks of any size (the
pacer cuts them into 20 ms frames). `cancel` is barge-in: stop generating at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol


class TtsStream(Protocol):
    """One Karla turn's synthesis."""

    @property
    def characters(self) -> int:
        """Characters sent for synthesis: what the turn is billed for."""
        ...

    async def send_text(self, text: str) -> None:
        """Queue a sentence (or any chunk that ends on a word)."""
        ...

    async def end_input(self) -> None:
        """No more text this turn: synthesise what is buffered and finish the audio."""
        ...

    def audio(self) -> AsyncIterator[bytes]:
        """PCM16 8 kHz mono, in order, ending after `end_input` once all is spoken."""
        ...

    async def cancel(self) -> None:
        """Barge-in: stop now; `audio()` ends without the rest."""
        ...


class TtsProvider(Protocol):
    name: str

    async def open(self, *, sample_rate: int = 8000) -> TtsStream: ...
