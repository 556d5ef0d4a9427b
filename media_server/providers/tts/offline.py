"""Offline TTS for the demo and the tests: espeak-ng when installed, else a synthetic voice.

No keys, but the far end must still hear Karla talk for as long as a sentence takes: the
simulated driver's VAD, barge-in and the pacer all run on that audio.
- espeak-ng (Latin-American Spanish voice `es-419`) runs as an asyncio subprocess, one
  per sentence with the text on stdin, so the event loop never blocks and no text is
  ever parsed as an option; its 22.05 kHz WAV is resampled to the stream's rate.
- Without it, a synthetic vowel-like sound stands in: about 65 ms a character (Spanish
  read at a dispatcher's pace), a 140 Hz voice with formant-shaped harmonics modulated at
  a syllable rate of 4 Hz, peaking at -14 dBFS (about -30 dBFS RMS), which webrtcvad
  takes for speech; numpy builds it in a worker thread (tens of ms for a long sentence).
Sentences are synthesised in order as they arrive and handed out in 100 ms chunks;
`cancel()` drops what is queued and kills a running espeak-ng.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import wave

import numpy as np

from media_server.audio.codec import resample_pcm16
from media_server.providers.errors import TtsError
from media_server.providers.tts.feed import SentenceByRequestStream

PROVIDER = "offline"
SECONDS_PER_CHARACTER = 0.065
CHUNK_SECONDS = 0.1
_FORMANTS = ((700.0, 150.0), (1200.0, 200.0), (2500.0, 300.0))  # centre, width (Hz)


class OfflineTts:
    name = PROVIDER

    def __init__(
        self,
        *,
        use_espeak: bool = True,
        voice: str = "es-419",
        executable: str | None = None,
    ) -> None:
        found = executable or shutil.which("espeak-ng")
        self.espeak = found if use_espeak else None
        self._voice = voice

    async def open(self, *, sample_rate: int = 8000) -> OfflineTtsStream:
        return OfflineTtsStream(self.espeak, self._voice, sample_rate)


class OfflineTtsStream(SentenceByRequestStream):
    def __init__(self, espeak: str | None, voice: str, sample_rate: int) -> None:
        self._espeak = espeak
        self._voice = voice
        self._rate = sample_rate
        super().__init__(PROVIDER)

    async def _speak(self, text: str, previous: str | None) -> None:
        if self._espeak:
            pcm = await self._espeak_pcm(self._espeak, text)
        else:
            seconds = len(text.strip()) * SECONDS_PER_CHARACTER
            pcm = await asyncio.to_thread(synthetic_voice, seconds, self._rate)
        chunk_bytes = 2 * round(CHUNK_SECONDS * self._rate)
        for start in range(0, len(pcm), chunk_bytes):
            self._feed.put(pcm[start : start + chunk_bytes])

    async def _espeak_pcm(self, espeak: str, text: str) -> bytes:
        try:
            process = await asyncio.create_subprocess_exec(
                espeak, "-v", self._voice, "-b", "1", "--stdout",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
        except OSError as exc:
            raise TtsError(PROVIDER, f"cannot run espeak-ng: {exc}") from exc
        try:
            out, err = await process.communicate(text.encode())
        finally:
            if process.returncode is None:  # cancelled mid-sentence
                process.kill()
                await process.wait()
        try:
            with wave.open(io.BytesIO(out), "rb") as wav:
                rate = wav.getframerate()
                pcm = wav.readframes(2**31)  # streamed WAV: the header's length is a dummy
        except (wave.Error, EOFError) as exc:
            raise TtsError(PROVIDER, f"espeak-ng gave no audio: {err.decode().strip()}") from exc
        if not pcm:
            raise TtsError(PROVIDER, f"espeak-ng gave no audio: {err.decode().strip()}")
        return resample_pcm16(pcm, rate, self._rate)


def synthetic_voice(seconds: float, rate: int, level: float = 0.2) -> bytes:
    """A vowel-like sound of `seconds`, peaking at `level` of full scale, with soft ends."""
    t = np.arange(round(seconds * rate)) / rate
    f0 = 140.0
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.05 * np.sin(2 * np.pi * 3 * t))) / rate
    signal = np.zeros_like(t)
    for k in range(1, int(min(3800.0, rate / 2 - 200) // f0) + 1):
        gain = 0.05 + sum(np.exp(-(((k * f0 - c) / w) ** 2)) for c, w in _FORMANTS)
        signal += gain * np.sin(k * phase) / k**0.3
    signal *= 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)  # syllables
    fade = min(len(t) // 2, round(0.01 * rate))
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        signal[:fade] *= ramp
        signal[-fade:] *= ramp[::-1]
    peak = float(np.max(np.abs(signal))) if len(t) else 0.0
    if peak:
        signal *= level / peak
    return (signal * 32767).astype("<i2").tobytes()
