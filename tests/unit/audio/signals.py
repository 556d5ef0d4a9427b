"""Synthetic audio for tests: deterministic, no recordings checked in."""

from __future__ import annotations

import numpy as np


def sine(freq: float, seconds: float, rate: int = 8000, amplitude: float = 0.5) -> bytes:
    t = np.arange(round(seconds * rate)) / rate
    return (np.sin(2 * np.pi * freq * t) * amplitude * 32767).astype(np.int16).tobytes()


def voice(seconds: float, rate: int = 8000, level: float = 0.3) -> bytes:
    """A vowel-like sound webrtcvad takes for speech: a 140 Hz voice with vibrato, its
    harmonics shaped by three formants (700, 1200, 2500 Hz), amplitude-modulated at a
    syllable rate of 4 Hz.
    """
    t = np.arange(round(seconds * rate)) / rate
    f0 = 140.0
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.05 * np.sin(2 * np.pi * 3 * t))) / rate
    signal = np.zeros_like(t)
    for k in range(1, int(3800 // f0) + 1):
        gain = 0.05 + sum(
            np.exp(-(((k * f0 - formant) / width) ** 2))
            for formant, width in ((700, 150), (1200, 200), (2500, 300))
        )
        signal += gain * np.sin(k * phase) / k**0.3
    signal *= 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)
    signal *= level / np.max(np.abs(signal))
    return (signal * 32767).astype(np.int16).tobytes()


def noise(seconds: float, dbfs: float, rate: int = 8000, seed: int = 1) -> bytes:
    """White noise whose RMS is `dbfs` relative to 32768."""
    rng = np.random.default_rng(seed)
    samples = rng.standard_normal(round(seconds * rate)) * 32768 * 10 ** (dbfs / 20)
    return samples.astype(np.int16).tobytes()


def frames(pcm16: bytes, size: int = 320) -> list[bytes]:
    return [pcm16[i : i + size] for i in range(0, len(pcm16) - size + 1, size)]
