"""Per-frame cost of the media plane's audio path, in microseconds per 20 ms frame.

A call delivers 50 frames a second each way; at 20 µs of work per frame per stage a core
carries hundreds of calls, so a figure here creeping up is a capacity loss. Run with
`python -m bench.audio_codecs`.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import numpy as np

from media_server.audio.codec import (
    StreamingResampler,
    mulaw_to_pcm16,
    pcm16_to_mulaw,
)
from media_server.audio.vad import VoiceActivity
from media_server.transports.karla_protocol import KarlaCodec
from media_server.transports.twilio_stream import TwilioStreamCodec

ITERATIONS = 20_000


def voice_frame() -> bytes:
    """20 ms of a loud harmonic tone: above the energy floor, so webrtcvad really runs."""
    t = np.arange(160) / 8000
    wave = np.zeros(160)
    for k in range(1, 20):
        wave += np.sin(2 * np.pi * 140 * k * t) / k
    samples: np.ndarray = (wave / np.max(np.abs(wave)) * 12000).astype(np.int16)
    return samples.tobytes()


def per_frame_us(work: Callable[[], object], iterations: int = ITERATIONS) -> float:
    for _ in range(iterations // 10):  # warm caches and allocators
        work()
    start = time.perf_counter()
    for _ in range(iterations):
        work()
    return (time.perf_counter() - start) / iterations * 1e6


def main() -> dict[str, float]:
    frame = voice_frame()
    mulaw = pcm16_to_mulaw(frame)

    karla = KarlaCodec()
    karla_start = {"type": "start", "v": 1, "media_token": "t", "call_id": "c"}
    karla.receive(json.dumps({**karla_start, "from": "", "to": "", "direction": "outbound"}))
    twilio = TwilioStreamCodec()
    twilio_start = {
        "callSid": "CA1",
        "customParameters": {"media_token": "t"},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    }
    twilio.receive(json.dumps({"event": "start", "streamSid": "MZ1", "start": twilio_start}))
    payload = base64.b64encode(mulaw).decode()
    twilio_media = json.dumps(
        {"event": "media", "streamSid": "MZ1", "media": {"track": "inbound", "payload": payload}}
    )
    vad = VoiceActivity()
    upsampler = StreamingResampler(8000, 16000)
    downsampler = StreamingResampler(24000, 8000)
    tts_chunk = np.repeat(np.frombuffer(frame, dtype=np.int16), 3).tobytes()  # 20 ms at 24k

    cases: dict[str, Callable[[], object]] = {
        "mu-law decode + encode": lambda: pcm16_to_mulaw(mulaw_to_pcm16(mulaw)),
        "Karla binary frame decode": lambda: karla.receive(frame),
        "Karla frame encode (send_audio)": lambda: karla.send_audio(frame),
        "Twilio media decode": lambda: twilio.receive(twilio_media),
        "Twilio media encode (send_audio)": lambda: twilio.send_audio(frame),
        "VAD push (voiced frame)": lambda: vad.push(frame),
        "VAD push (silent frame)": lambda: vad.push(bytes(320)),
        "resample 8k->16k streaming": lambda: upsampler.process(frame),
        "resample 24k->8k streaming": lambda: downsampler.process(tts_chunk),
    }
    print(f"audio path, µs per 20 ms frame ({ITERATIONS} frames each)")
    figures = {}
    for name, work in cases.items():
        figures[name] = per_frame_us(work)
        print(f"  {name:<34} {figures[name]:8.2f}")
    return figures


if __name__ == "__main__":
    main()
