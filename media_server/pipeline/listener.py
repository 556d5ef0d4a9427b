"""The driver's side of one call, frame by frame: VAD, echo, STT, turn-taking, barge-in.

Every inbound 20 ms frame is judged voiced or not (webrtcvad behind an energy floor),
smoothed into speech start/end (`Hangover`), checked against Karla's outbound audio for
echo, and forwarded to the STT only while the driver speaks (with the few frames before
the start, so the first syllable is not lost): STT is billed by the second and silence
costs as much as speech. Transcripts then feed the barge-in policy (while Karla speaks)
and the turn manager; what they decide goes to the call pipeline through two callbacks.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from media_server.audio.vad import Hangover, VadEvent, VoiceActivity
from media_server.providers.stt.base import SttStream, Transcript
from shared.observability.logging import get_logger

from .barge_in import BargeInPolicy, Verdict, is_echo_of
from .echo import EchoGuard
from .speaker import Speaker
from .turns import DriverSilent, FinalizeStt, Signal, TurnEnded, TurnManager

_log = get_logger(__name__)
ECHO_TAIL_SECONDS = 0.5  # Karla's voice may still come back this long after her last frame


@dataclass(frozen=True)
class DriverTurn:
    text: str
    started_ms: int  # inbound audio time
    ended_ms: int
    voice_ended_at: float  # perf_counter of the last voiced frame: voice-to-voice starts here
    stt_ms: float | None  # our end of speech to the provider's final


Heard = DriverTurn | DriverSilent


class Listener:
    def __init__(
        self,
        stt: SttStream,
        speaker: Speaker,
        *,
        on_heard: Callable[[Heard], None],
        on_barge_in: Callable[[str], Awaitable[None]],
        turns: TurnManager,
        barge_in: BargeInPolicy | None = None,
        echo: EchoGuard | None = None,
        start_frames: int = 3,
        end_frames: int = 25,
    ) -> None:
        self._stt = stt
        self._speaker = speaker
        self._on_heard = on_heard
        self._on_barge_in = on_barge_in
        self.turns = turns
        self.barge_in = barge_in or BargeInPolicy()
        self._echo = echo or EchoGuard()
        self._vad = VoiceActivity()  # its per-frame decision; the hangover is ours
        self._hangover = Hangover(start_frames, end_frames)
        self._preroll: deque[bytes] = deque(maxlen=start_frames + 2)
        self._voice_ended_at = 0.0
        self._finalized_at: float | None = None
        self._stt_ms: float | None = None
        self._karla_audible_ms = -(10**9)

    async def hear(self, frame: bytes) -> None:
        """One inbound frame of PCM16 8 kHz."""
        now = time.perf_counter()
        voiced = self._vad.is_voiced(frame)
        speaker = self._speaker
        recent = now - speaker.last_sent_at < ECHO_TAIL_SECONDS
        self._echo.observe(frame)
        if not recent:
            self._echo.karla_silent()
        echo = voiced and recent and self._echo.is_echo()
        if recent:
            self._karla_audible_ms = self.turns.now_ms
        if voiced and not echo:
            self._voice_ended_at = now
        if not self._hangover.in_speech:
            self._preroll.append(frame)
        event = self._hangover.push(voiced and not echo)
        if event is VadEvent.SPEECH_START:
            for held in self._preroll:
                await self._stt.send(held)
            self._preroll.clear()
        elif self._hangover.in_speech or event is VadEvent.SPEECH_END:
            await self._stt.send(frame)
        if speaker.speaking:
            decision = self.barge_in.on_frame(voiced, echo, event)
            if decision is not None and decision.verdict is Verdict.BARGE_IN:
                await self._on_barge_in(decision.text)
            elif decision is not None:
                _log.info("overlap_ignored", verdict=decision.verdict.value)
        await self._act(self.turns.on_frame(voiced and not echo, event))

    async def transcript(self, transcript: Transcript) -> None:
        if transcript.speech_final and self._finalized_at is not None:
            self._stt_ms = (time.perf_counter() - self._finalized_at) * 1000
            self._finalized_at = None
        if self._speaker.speaking:
            decision = self.barge_in.on_transcript(transcript.text, self._speaker.words_now())
            if decision is not None and decision.verdict is Verdict.BARGE_IN:
                await self._on_barge_in(decision.text)
            elif decision is not None:
                _log.info("overlap_ignored", verdict=decision.verdict.value, text=decision.text)
        await self._act(self.turns.on_transcript(transcript))

    async def _act(self, signals: list[Signal]) -> None:
        for signal in signals:
            if isinstance(signal, FinalizeStt):
                self._finalized_at = time.perf_counter()
                await self._stt.finalize()
            elif isinstance(signal, DriverSilent):
                self._on_heard(signal)
            elif self._takes_turn(signal):
                stt_ms, self._stt_ms = self._stt_ms, None
                self._on_heard(
                    DriverTurn(
                        signal.text,
                        signal.started_ms,
                        signal.ended_ms,
                        self._voice_ended_at,
                        stt_ms,
                    )
                )

    def _takes_turn(self, turn: TurnEnded) -> bool:
        """Overlap Karla did not yield to (a backchannel, noise) is not a turn; nor is her
        own voice recognised just after she stopped."""
        if self._speaker.speaking:
            return False
        started_in_her_voice = turn.started_ms <= self._karla_audible_ms
        return not (started_in_her_voice and is_echo_of(turn.text, self._speaker.words_now()))
