"""What the simulated callers put on the wire, shared by the load generator and both bots.

Stdlib only: the pipecat bot imports this module from its own virtualenv.

The callers speak the Twilio media-stream protocol (JSON text frames, base64 mu-law 8 kHz,
160 bytes per 20 ms). The end of each scripted utterance is marked by one sentinel frame
whose mu-law payload is `SENTINEL_MULAW`; each bot's fake STT turns that frame into the final
transcript "sí", so both systems see the end of the turn from the same audio, at the same
instant.
"""

from __future__ import annotations

import base64
import json
import math
from functools import cache

FRAME_MS = 20
FRAME_S = FRAME_MS / 1000
SAMPLE_RATE = 8000
MULAW_FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000  # 160
PCM16_FRAME_BYTES = MULAW_FRAME_BYTES * 2

SENTINEL_MULAW = (b"KARLA-EOU-SENTINEL" * 9)[:MULAW_FRAME_BYTES]
SENTINEL_TRANSCRIPT = "sí"
MULAW_SILENCE = b"\xff" * MULAW_FRAME_BYTES  # mu-law of PCM 0
MEDIA_TOKEN_PARAM = "media_token"


def mulaw_decode_sample(byte: int) -> int:
    """ITU-T G.711 mu-law to a 16-bit linear sample (the table audioop and soxr users share)."""
    u = ~byte & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return -magnitude if sign else magnitude


@cache
def _decode_table() -> tuple[bytes, ...]:
    return tuple(mulaw_decode_sample(b).to_bytes(2, "little", signed=True) for b in range(256))


def mulaw_to_pcm16(mulaw: bytes) -> bytes:
    table = _decode_table()
    return b"".join(table[b] for b in mulaw)


SENTINEL_PCM16 = mulaw_to_pcm16(SENTINEL_MULAW)
"""What a bot that decodes mu-law to PCM16 at 8 kHz (pipecat's Twilio serializer) sees."""


def voiced_frames(count: int = 5) -> list[bytes]:
    """`count` distinct 20 ms mu-law frames of a loud vowel-like harmonic tone (VAD says voice)."""
    frames = []
    for index in range(count):
        samples = bytearray()
        for n in range(MULAW_FRAME_BYTES):
            t = (index * MULAW_FRAME_BYTES + n) / SAMPLE_RATE
            value = sum(math.sin(2 * math.pi * 140 * k * t) / k for k in range(1, 12))
            samples.append(_mulaw_encode(int(value * 9000)))
        frames.append(bytes(samples))
    return frames


def _mulaw_encode(sample: int) -> int:
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), clip) + bias
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not magnitude & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class CallerMessages:
    """The JSON frames one simulated Twilio call sends, pre-encoded where they never change."""

    def __init__(self, index: int, media_token: str) -> None:
        self.stream_sid = f"MZbench{index:08d}"
        self.call_sid = f"CAbench{index:08d}"
        self.media_token = media_token
        self._sequence = 0
        self._chunk = 0

    def connected(self) -> str:
        self._sequence += 1
        return json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})

    def start(self) -> str:
        self._sequence += 1
        return json.dumps(
            {
                "event": "start",
                "sequenceNumber": str(self._sequence),
                "start": {
                    "accountSid": "ACbench",
                    "streamSid": self.stream_sid,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                    "customParameters": {MEDIA_TOKEN_PARAM: self.media_token},
                },
                "streamSid": self.stream_sid,
            }
        )

    def media(self, payload_b64: str) -> str:
        """One 20 ms inbound frame, with Twilio's sequence, chunk and timestamp fields."""
        self._sequence += 1
        self._chunk += 1
        return (
            f'{{"event":"media","sequenceNumber":"{self._sequence}","media":{{"track":"inbound",'
            f'"chunk":"{self._chunk}","timestamp":"{(self._chunk - 1) * FRAME_MS}",'
            f'"payload":"{payload_b64}"}},"streamSid":"{self.stream_sid}"}}'
        )

    def stop(self) -> str:
        self._sequence += 1
        return json.dumps(
            {
                "event": "stop",
                "sequenceNumber": str(self._sequence),
                "stop": {"accountSid": "ACbench", "callSid": self.call_sid},
                "streamSid": self.stream_sid,
            }
        )
