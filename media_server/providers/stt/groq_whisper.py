"""Groq Whisper large-v3-turbo (proof of concept): one upload per utterance, via the groq SDK.

Whisper on Groq is a file API, not a streaming recogniser, so this adapter leans on the
pipeline's VAD: audio is buffered as it arrives, and `finalize()` (the VAD cut the
utterance) uploads the buffer as a WAV and yields exactly one final `speech_final`
transcript for it, even an empty one, so the turn always ends the way it does with
Deepgram. There are no interim results, so a barge-in waits for the
utterance's final (VAD end plus the upload) before it can cut Karla off.

- The clip is resampled to 16 kHz PCM16 mono WAV: Whisper's front end works at 16 kHz,
  so the server does no resampling of its own and the upload is a plain, known format.
- The buffer keeps the last `max_utterance_seconds`: audio that reaches the stream while
  nobody calls `finalize()` (Karla talking, long silences) must not grow the next upload,
  its latency and its per-second bill without bound.
- `verbose_json` gives per-segment `no_speech_prob` and `avg_logprob`: a segment Whisper
  itself would call silence (no_speech_prob > 0.6 and avg_logprob < -1, the rule of
  openai/whisper's transcribe) is dropped, the usual "Gracias." hallucination on cab noise.
  Confidence is exp(mean avg_logprob) of the kept segments.
- Uploads run one at a time in order on a worker task, so `finalize()` returns at once
  and transcripts keep the order of the utterances. `audio_seconds` counts uploaded audio
  (what Groq bills), at the call's rate.
"""

from __future__ import annotations

import asyncio
import io
import math
import wave
from collections.abc import AsyncIterator
from typing import Any

from groq import AsyncGroq, GroqError

from media_server.audio.codec import resample_pcm16
from media_server.providers.errors import SttError
from media_server.providers.stt.base import Transcript
from media_server.providers.stt.feed import TranscriptFeed

PROVIDER = "groq"
UPLOAD_RATE = 16000


class GroqWhisperStt:
    name = PROVIDER

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        model: str = "whisper-large-v3-turbo",
        timeout_seconds: float = 10.0,
        max_retries: int = 1,
        max_utterance_seconds: float = 30.0,
    ) -> None:
        self._client = AsyncGroq(
            api_key=api_key, base_url=base_url, timeout=timeout_seconds, max_retries=max_retries
        )
        self._model = model
        self._max_utterance_seconds = max_utterance_seconds

    async def open(self, *, language: str = "es", sample_rate: int = 8000) -> GroqWhisperStream:
        return GroqWhisperStream(
            self._client,
            model=self._model,
            language=language,
            sample_rate=sample_rate,
            max_utterance_seconds=self._max_utterance_seconds,
        )


class GroqWhisperStream:
    def __init__(
        self,
        client: AsyncGroq,
        *,
        model: str,
        language: str,
        sample_rate: int,
        max_utterance_seconds: float,
    ) -> None:
        self._client = client
        self._model = model
        self._language = language
        self._rate = sample_rate
        self._max_bytes = 2 * round(max_utterance_seconds * sample_rate)
        self._buffer = bytearray()
        self._received_bytes = 0
        self._uploaded_bytes = 0
        self._feed = TranscriptFeed(PROVIDER)
        self._uploads: asyncio.Queue[tuple[bytes, float, float] | None] = asyncio.Queue()
        self._worker = asyncio.create_task(self._upload_in_order())
        self._closed = False

    @property
    def audio_seconds(self) -> float:
        return self._uploaded_bytes / (2 * self._rate)

    async def send(self, pcm16: bytes) -> None:
        self._check_open()
        self._buffer += pcm16
        self._received_bytes += len(pcm16)
        excess = len(self._buffer) - self._max_bytes
        if excess > 0:
            del self._buffer[: excess + (excess & 1)]  # whole samples only: keep the alignment

    async def finalize(self) -> None:
        self._check_open()
        self._feed.utterance_cut()
        clip = bytes(self._buffer[: len(self._buffer) & ~1])
        self._buffer.clear()
        end = self._received_bytes / (2 * self._rate)
        self._uploads.put_nowait((clip, end - len(clip) / (2 * self._rate), end))

    def transcripts(self) -> AsyncIterator[Transcript]:
        return self._feed.transcripts()

    async def close(self) -> None:
        """Finish the uploads already asked for (as Deepgram flushes on CloseStream)."""
        if self._closed:
            return
        self._closed = True
        self._uploads.put_nowait(None)
        await self._worker
        self._feed.end()

    def _check_open(self) -> None:
        if self._closed or self._feed.done:
            raise SttError(PROVIDER, "the stream is closed")

    async def _upload_in_order(self) -> None:
        while (item := await self._uploads.get()) is not None:
            clip, start, end = item
            text, confidence = "", 0.0
            if clip:
                self._uploaded_bytes += len(clip)
                try:
                    text, confidence = await self._transcribe(clip)
                except GroqError as exc:
                    self._feed.fail(SttError(PROVIDER, f"transcription failed: {exc}"))
                    return
            self._feed.put(Transcript(text, True, True, start, end, confidence))

    async def _transcribe(self, clip: bytes) -> tuple[str, float]:
        result = await self._client.audio.transcriptions.create(
            file=("utterance.wav", wav_bytes(resample_pcm16(clip, self._rate, UPLOAD_RATE))),
            model=self._model,
            language=self._language,
            response_format="verbose_json",
            temperature=0.0,
        )
        segments: list[dict[str, Any]] | None = getattr(result, "segments", None)
        if not segments:
            return result.text.strip(), 1.0
        kept = [s for s in segments if not _silence(s)]
        if not kept:
            return "", 0.0
        text = "".join(str(s.get("text", "")) for s in kept).strip()
        mean_logprob = sum(float(s.get("avg_logprob", 0.0)) for s in kept) / len(kept)
        return text, min(1.0, math.exp(mean_logprob))


def _silence(segment: dict[str, Any]) -> bool:
    no_speech = float(segment.get("no_speech_prob", 0.0))
    return no_speech > 0.6 and float(segment.get("avg_logprob", 0.0)) < -1.0


def wav_bytes(pcm16: bytes, rate: int = UPLOAD_RATE) -> bytes:
    """A mono 16-bit WAV file around raw samples."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm16)
    return out.getvalue()
