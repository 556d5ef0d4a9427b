"""When the driver has finished a turn: VAD, the provider's endpointing, and what was said.

Ending a turn on silence alone is what makes voice agents cut people off: a driver reading
out a date ("el ... veintidós") or a place ("de ... Monterrey") pauses mid-phrase, and a
bot that answers in that pause talks over the rest. So the turn ends on evidence from
three sources, cheapest first:
- VAD (webrtcvad + hangover) says the driver stopped voicing; the pipeline then asks the
  STT for its final (`FinalizeStt`);
- the provider's endpointing (`speech_final`) says the utterance is over, possibly before
  our VAD's hangover does (Deepgram's 300 ms endpointing), which saves that much latency;
- the words: a transcript that ends in a preposition, an article, a conjunction, a filler
  ("este...") or a number still being read ("dos mil", "treinta y") sounds unfinished, and
  gets a longer grace period of silence before Karla answers. Speech in the grace period
  continues the same turn.

The manager also notices a driver who says nothing (`DriverSilent`) once Karla is waiting
for an answer. It is a pure state machine clocked by the inbound audio itself: each frame
is 20 ms, so decisions are identical under load and reproducible in tests.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from media_server.audio import FRAME_MS
from media_server.audio.vad import VadEvent
from media_server.providers.stt.base import Transcript

_DANGLING = frozenset(
    "de del a al en el la los las lo un una unos unas y e o u ni para por con sin desde "
    "hasta hacia entre sobre tras que pero como mi mis su sus tu tus nuestro este esta "
    "eh em emm mmm pues osea dia numero veinti mil ciento doscientos trescientos "
    "cuatrocientos quinientos seiscientos setecientos ochocientos novecientos".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without accents: 'Él DÍA' -> 'el dia' (ASR accents are unreliable)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words_of(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def sounds_unfinished(text: str) -> bool:
    """Whether a transcript stops where a speaker would go on ('de ...', 'el veinti')."""
    stripped = text.rstrip()
    if not stripped:
        return False
    if stripped.endswith(("...", "…", ",", "-")):
        return True
    words = words_of(stripped)
    return bool(words) and words[-1] in _DANGLING


@dataclass(frozen=True)
class FinalizeStt:
    """VAD cut an utterance: ask the STT for the finals of what it was sent."""


@dataclass(frozen=True)
class TurnEnded:
    text: str
    started_ms: int  # audio time of the first voiced frame of the turn
    ended_ms: int  # audio time of its last voiced frame: voice-to-voice counts from here


@dataclass(frozen=True)
class DriverSilent:
    """Karla asked and the driver said nothing for the silence timeout."""


Signal = FinalizeStt | TurnEnded | DriverSilent


class TurnManager:
    def __init__(
        self,
        *,
        unfinished_grace_ms: int = 1500,
        final_timeout_ms: int = 1500,
        silence_timeout_ms: int = 5000,
        start_frames: int = 3,
    ) -> None:
        self._grace = unfinished_grace_ms
        self._final_timeout = final_timeout_ms
        self._silence_timeout = silence_timeout_ms
        self._preroll = start_frames * FRAME_MS
        self.now_ms = 0
        self._last_voiced = -(10**9)
        self._in_speech = False
        self._silence_from: int | None = None
        self._silence_limit = silence_timeout_ms
        self._reset()

    def _reset(self) -> None:
        self._started: int | None = None  # the turn being heard began (None: no turn)
        self._finals: list[str] = []
        self._interim = ""
        self._endpointed = False  # VAD or the provider said the utterance ended
        self._final_due: int | None = None  # waiting for the STT's final until then

    @property
    def text(self) -> str:
        """What the driver has said so far in this turn."""
        return " ".join([*self._finals, self._interim] if self._interim else self._finals)

    def listen(self, timeout_ms: int | None = None) -> None:
        """Karla is waiting for an answer: start counting silence (`timeout_ms`, or the
        configured silence timeout)."""
        self._silence_from = self.now_ms
        self._silence_limit = self._silence_timeout if timeout_ms is None else timeout_ms

    def hold(self) -> None:
        """Karla is thinking or speaking: silence is not the driver's to break."""
        self._silence_from = None

    def on_frame(self, voiced: bool, event: VadEvent | None) -> list[Signal]:
        self.now_ms += FRAME_MS
        if voiced:
            self._last_voiced = self.now_ms
        signals: list[Signal] = []
        if event is VadEvent.SPEECH_START:
            self._in_speech = True
            self._endpointed = False  # the driver went on: the turn continues
            if self._started is None:
                self._started = max(0, self.now_ms - self._preroll)
        elif event is VadEvent.SPEECH_END:
            self._in_speech = False
            signals.append(FinalizeStt())
            if self._started is not None:
                self._endpointed = True
                self._final_due = self.now_ms + self._final_timeout
        return signals + self._check()

    def on_transcript(self, transcript: Transcript) -> list[Signal]:
        text = transcript.text.strip()
        if text and self._started is None:
            self._started = max(0, self._last_voiced - FRAME_MS)
        if transcript.is_final:
            self._interim = ""  # a final replaces the interims of its stretch of audio
            if text:
                self._finals.append(text)
        elif text:
            self._interim = text
        if transcript.speech_final:
            self._endpointed = True
            self._final_due = None
        return self._check()

    def _check(self) -> list[Signal]:
        if self._started is None:
            return self._silence()
        if not self._endpointed:
            return []
        if self._final_due is not None and self.now_ms < self._final_due:
            return []  # the STT has not given its final yet
        text = self.text
        if sounds_unfinished(text) and self.now_ms - self._last_voiced < self._grace:
            return []
        started, ended = self._started, self._last_voiced
        self._reset()
        if not text:
            return []  # a cough, a horn: no words, no turn
        return [TurnEnded(text, started, ended)]

    def _silence(self) -> list[Signal]:
        if self._silence_from is None or self._in_speech:
            return []
        if self.now_ms - max(self._silence_from, self._last_voiced) < self._silence_limit:
            return []
        self._silence_from = None
        return [DriverSilent()]
