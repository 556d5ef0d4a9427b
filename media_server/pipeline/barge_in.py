"""Whether driver speech while Karla talks should cut her off: a pure policy.

What users of voice frameworks complain about most is an agent that stops for anything:
a cough, a horn, an "ajá", or its own voice echoing back. Here Karla is cut off only by
evidence of a real interruption, and she never pauses on a guess:
- enough voiced audio that is not echo (`min_voiced_ms`, counted per utterance), AND
- a transcript (interim or final) with real words;
- a backchannel alone ("ajá", "mhm", "sí", "ok", "órale", "ándale", repeated or combined)
  means "go on": she goes on;
- a transcript made of the words Karla is saying right now is her echo, not the driver;
- VAD speech with no words within `words_within_ms` is noise (a cough, a horn): reported
  once as NOISE so it can be counted; Karla, who never stopped, simply continues.

Clocked by inbound audio frames (20 ms each), like the turn manager, so it is reproducible.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass

from media_server.audio import FRAME_MS
from media_server.audio.vad import VadEvent

from .turns import words_of

BACKCHANNELS = frozenset(
    "aja aha ajam mhm mhmm mjm mm mmm hm hmm uhum ujum si ok okay okey orale andale "
    "claro sale va ah eh oh ya exacto correcto perfecto".split()
)


class Verdict(enum.Enum):
    BARGE_IN = "barge_in"  # cut Karla off: the driver is taking the turn
    BACKCHANNEL = "backchannel"  # the driver is listening: go on
    ECHO = "echo"  # Karla's own voice: go on
    NOISE = "noise"  # voice activity without words: go on


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    text: str = ""


def is_backchannel(text: str) -> bool:
    words = words_of(text)
    return bool(words) and all(word in BACKCHANNELS for word in words)


def is_echo_of(text: str, karla_words: Collection[str], min_overlap: float = 0.8) -> bool:
    """Two or more words, nearly all of them words Karla is saying now."""
    words = words_of(text)
    if len(words) < 2:
        return False
    return sum(word in karla_words for word in words) / len(words) >= min_overlap


class BargeInPolicy:
    """One Karla turn's worth of overlap decisions; `start` at each turn."""

    def __init__(self, *, min_voiced_ms: int = 240, words_within_ms: int = 600) -> None:
        self._min_voiced = min_voiced_ms
        self._words_within = words_within_ms
        self.start()

    def start(self) -> None:
        self._now = 0
        self._utterance_at: int | None = None
        self._voiced = 0
        self._heard_words = False
        self._noise_told = False
        self._pending = ""  # words that came before enough voiced audio did

    def on_frame(self, voiced: bool, echo: bool, event: VadEvent | None) -> Decision | None:
        self._now += FRAME_MS
        if event is VadEvent.SPEECH_START:
            self._utterance_at = self._now
            self._voiced = 0
            self._heard_words = False
            self._noise_told = False
        if voiced and not echo:
            self._voiced += FRAME_MS
        if self._pending and self._voiced >= self._min_voiced:
            text, self._pending = self._pending, ""
            return Decision(Verdict.BARGE_IN, text)
        if (
            self._utterance_at is not None
            and not self._heard_words
            and not self._noise_told
            and self._now - self._utterance_at >= self._words_within
        ):
            self._noise_told = True
            return Decision(Verdict.NOISE)
        return None

    def on_transcript(self, text: str, karla_words: Collection[str]) -> Decision | None:
        if not words_of(text):
            return None
        self._heard_words = True
        if is_backchannel(text):
            return Decision(Verdict.BACKCHANNEL, text)
        if is_echo_of(text, karla_words):
            return Decision(Verdict.ECHO, text)
        if self._voiced >= self._min_voiced:
            self._pending = ""
            return Decision(Verdict.BARGE_IN, text)
        self._pending = text
        return None
