"""Did the bot's audio reach the caller in real time? Pure bookkeeping, no clock of its own.

A phone plays the bot's audio at 8 kHz from the moment its first frame lands. A frame is
**late** when it arrives after the audio before it has finished playing plus `tolerance_s`
of jitter buffer: there the caller hears a gap. For a bot that paces 20 ms frames exactly
in real time this is the same as an inter-arrival gap above 20 ms + tolerance (40 ms with
the default 20 ms tolerance); a bot that sends a few frames ahead of real time (Karla's
pacer keeps a two-frame lead) is not penalised for a slow frame it had already covered.
**Dropped** frames are the ones missing from a reply shorter than the scripted one when the
caller moves on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.protocol import FRAME_S, SAMPLE_RATE


@dataclass(slots=True)
class BotTurn:
    """One caller turn: from the sentinel (end of utterance) to the end of the bot's reply."""

    eou_at: float  # when the caller sent the sentinel frame
    expected_audio_s: float  # how long the bot's reply should be
    tolerance_s: float = 0.020
    first_audio_at: float | None = None
    audio_s: float = 0.0  # bot audio received so far in this turn
    frames: int = 0
    late_frames: int = 0
    worst_underrun_s: float = 0.0
    max_gap_s: float = 0.0
    _last_at: float = field(default=0.0, repr=False)

    def on_audio(self, at: float, mulaw_bytes: int) -> None:
        if self.first_audio_at is None:
            self.first_audio_at = at
        else:
            deadline = self.first_audio_at + self.audio_s + self.tolerance_s
            if at > deadline:
                self.late_frames += 1
                self.worst_underrun_s = max(self.worst_underrun_s, at - deadline)
            self.max_gap_s = max(self.max_gap_s, at - self._last_at)
        self._last_at = at
        self.frames += 1
        self.audio_s += mulaw_bytes / SAMPLE_RATE

    @property
    def answered(self) -> bool:
        return self.first_audio_at is not None

    @property
    def latency_s(self) -> float | None:
        """Added latency: end of the caller's utterance to the bot's first audio frame."""
        return None if self.first_audio_at is None else self.first_audio_at - self.eou_at

    def playout_ends_at(self) -> float | None:
        """When the caller's phone finishes playing the reply, if it keeps arriving on time."""
        if self.first_audio_at is None:
            return None
        return self.first_audio_at + max(self.audio_s, self.expected_audio_s)

    def complete(self) -> bool:
        return self.audio_s >= self.expected_audio_s - FRAME_S / 2

    def dropped_frames(self) -> int:
        """20 ms frames missing from the reply (all of them when there was none)."""
        missing = self.expected_audio_s - self.audio_s
        return max(0, round(missing / FRAME_S))
