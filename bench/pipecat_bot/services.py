"""Zero-latency fake STT, LLM and TTS built on pipecat 1.14's own service base classes.

They do what Karla's `loadtest` providers do, so the two bots differ only in the framework
around them:

- STT: the end of each caller utterance is the sentinel frame (`bench.protocol`); on it the
  service emits the final transcript "sí". Like pipecat's Deepgram Flux service (STT-driven
  turn detection), it proposes the start of a user turn at the first voiced frame and the
  end of the turn right after the final transcript, for `ExternalUserTurnStrategies`.
- LLM: answers every context with one fixed sentence, through `LLMService.push_frame`.
- TTS: synthesises any text as one second of audio (a tone, so the caller can tell it from
  silence), through `TTSService.run_tts` like pipecat's HTTP TTS services.

Only ever imported from the bench-only virtualenv (bench/venv.py).
"""

from __future__ import annotations

import math
import struct
from collections.abc import AsyncGenerator
from functools import cache

from pipecat.frames.frames import (
    Frame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    ProposedUserStartedSpeakingFrame,
    ProposedUserStoppedSpeakingFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.llm_service import LLMService
from pipecat.services.settings import LLMSettings, STTSettings, TTSSettings
from pipecat.services.stt_service import STTService
from pipecat.services.tts_service import TTSService
from pipecat.utils.time import time_now_iso8601

from bench.protocol import PCM16_FRAME_BYTES, SENTINEL_PCM16, SENTINEL_TRANSCRIPT

REPLY = "Perfecto, gracias por confirmarlo."
REPLY_AUDIO_S = 1.0
_SILENT_FRAME = bytes(PCM16_FRAME_BYTES)


@cache
def tone(seconds: float, sample_rate: int) -> bytes:
    """Computed once per process, as Karla's loadtest TTS does."""
    count = int(seconds * sample_rate)
    samples = (int(6000 * math.sin(2 * math.pi * 220 * n / sample_rate)) for n in range(count))
    return struct.pack(f"<{count}h", *samples)


class SentinelSTTService(STTService):
    """Final transcript on the sentinel frame; turn start on the first voiced frame."""

    def __init__(self, **kwargs: object) -> None:
        settings = STTSettings(model=None, language=None)
        super().__init__(settings=settings, **kwargs)  # type: ignore[arg-type]
        self._speaking = False

    @property
    def supports_ttfs(self) -> bool:
        return False  # it decides the end of the turn itself, as Deepgram Flux does

    def can_generate_metrics(self) -> bool:
        return False

    async def run_stt(self, audio: bytes) -> AsyncGenerator[Frame | None, None]:
        if audio == SENTINEL_PCM16:
            self._speaking = False
            yield TranscriptionFrame(
                SENTINEL_TRANSCRIPT, self._user_id, time_now_iso8601(), finalized=True
            )
            await self.broadcast_frame(ProposedUserStoppedSpeakingFrame)
        elif not self._speaking and audio != _SILENT_FRAME:
            self._speaking = True
            await self.broadcast_frame(ProposedUserStartedSpeakingFrame)


class FixedReplyLLMService(LLMService):
    """Every inference answers with `REPLY`, at once."""

    def __init__(self, **kwargs: object) -> None:
        settings = LLMSettings(
            model=None,
            system_instruction=None,
            temperature=None,
            max_tokens=None,
            top_p=None,
            top_k=None,
            frequency_penalty=None,
            presence_penalty=None,
            seed=None,
            filter_incomplete_user_turns=False,
            user_turn_completion_config=None,
        )
        super().__init__(settings=settings, **kwargs)  # type: ignore[arg-type]

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMContextFrame):
            await self.push_frame(LLMFullResponseStartFrame())
            await self._push_llm_text(REPLY)
            await self.push_frame(LLMFullResponseEndFrame())
        else:
            await self.push_frame(frame, direction)


class OneSecondTTSService(TTSService):
    """Any sentence becomes `REPLY_AUDIO_S` of audio, yielded at once (no synthesis delay)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            push_start_frame=True,
            push_stop_frames=True,
            settings=TTSSettings(model=None, voice=None, language=None),
            **kwargs,  # type: ignore[arg-type]
        )

    def can_generate_metrics(self) -> bool:
        return False

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[Frame | None, None]:
        audio = tone(REPLY_AUDIO_S, self.sample_rate)
        yield TTSAudioRawFrame(audio, self.sample_rate, 1, context_id=context_id)
