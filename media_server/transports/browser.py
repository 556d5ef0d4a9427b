"""The PoC browser microphone: Karla's protocol with the browser's own sample rate.

A page captures the microphone with the Web Audio API, whose rate is the sound card's
(usually 48 kHz, 44.1 kHz on some laptops) unless the page asks for 16 kHz; converting in
JavaScript would be slower and less exact than soxr here. So the browser says its rate in
`start` and sends PCM16 at that rate; everything else, including what it receives, is
Karla's protocol (docs/media-protocol.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from media_server.audio import SAMPLE_RATE
from media_server.audio.codec import StreamingResampler
from media_server.transports.base import UNSUPPORTED_DATA, ProtocolError, Start, require_str
from media_server.transports.karla_protocol import MAX_AUDIO_MS, KarlaCodec, require_version

SAMPLE_RATES = frozenset({8000, 16000, 44100, 48000})


class BrowserCodec(KarlaCodec):
    """One browser media WebSocket; inbound audio is resampled to 8 kHz as it arrives."""

    def __init__(self) -> None:
        super().__init__()
        self._resampler = StreamingResampler(SAMPLE_RATE, SAMPLE_RATE)  # replaced at start

    def _parse_start(self, msg: Mapping[str, Any]) -> Start:
        require_version(msg)
        rate = msg.get("sample_rate")
        if type(rate) is not int or rate not in SAMPLE_RATES:
            raise ProtocolError(
                f"start sample_rate must be one of {sorted(SAMPLE_RATES)}, got {rate!r}",
                UNSUPPORTED_DATA,
            )
        start = Start(
            media_token=require_str(msg, "media_token", "start"),
            call_id="",
            codec="pcm16",
            sample_rate=rate,
        )
        self._resampler = StreamingResampler(rate, SAMPLE_RATE)
        self._max_audio_bytes = rate * MAX_AUDIO_MS // 1000 * 2
        return start

    def _decode(self, pcm16: bytes) -> bytes:
        return self._resampler.process(pcm16)

    def _drain(self) -> bytes:
        return self._resampler.flush()
