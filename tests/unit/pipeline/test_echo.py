"""Karla's voice coming back through a speakerphone is told apart from the driver's."""

from __future__ import annotations

import numpy as np

from media_server.pipeline.echo import EchoGuard

from ..audio.signals import frames, voice

RATE = 8000


def another_voice(seconds: float, f0: float = 105.0, level: float = 0.3) -> bytes:
    """A man's voice: lower, with its own intonation and syllable rhythm."""
    t = np.arange(round(seconds * RATE)) / RATE
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.15 * np.sin(2 * np.pi * 0.7 * t))) / RATE
    signal = sum(np.sin(k * phase) / k for k in range(1, 25))
    signal *= 0.55 + 0.45 * np.sin(2 * np.pi * 3.3 * t)
    return (signal / np.max(np.abs(signal)) * level * 32767).astype(np.int16).tobytes()


def through_speakerphone(pcm: bytes, delay_ms: int, gain: float) -> bytes:
    """`pcm` delayed, attenuated, with the cab's noise on top."""
    samples = np.frombuffer(pcm, dtype=np.int16).astype(float)
    delay = delay_ms * RATE // 1000
    echoed = np.concatenate([np.zeros(delay), samples[:-delay]]) * gain
    echoed += np.random.default_rng(3).normal(0.0, 150.0, len(samples))
    return echoed.astype(np.int16).tobytes()


def verdicts(karla: bytes, inbound: bytes) -> list[bool]:
    """The guard's verdict after each 20 ms tick of both directions."""
    guard = EchoGuard()
    found = []
    for sent, heard in zip(frames(karla), frames(inbound), strict=False):
        guard.karla_sent(sent)
        guard.observe(heard)
        found.append(guard.is_echo())
    return found


def test_karla_coming_back_late_and_quiet_is_echo():
    karla = voice(3.0)
    for delay_ms, gain in ((60, 0.5), (250, 0.2)):
        found = verdicts(karla, through_speakerphone(karla, delay_ms, gain))
        assert all(found[40:]), (delay_ms, gain)  # recognised within 0.8 s, then held


def test_the_driver_talking_over_her_is_not_echo():
    assert not any(verdicts(voice(3.0), another_voice(3.0, level=0.15)))


def test_her_voice_louder_than_she_sent_it_is_not_echo():
    karla = voice(3.0, level=0.1)
    assert not any(verdicts(karla, through_speakerphone(karla, 100, 3.0)))


def test_nothing_is_echo_while_karla_is_silent():
    silence = bytes(3 * RATE * 2)
    assert not any(verdicts(silence, another_voice(3.0)))


def test_the_driver_talking_over_her_echo_is_heard():
    karla = voice(4.0)
    echo = np.frombuffer(through_speakerphone(karla, 120, 0.2), dtype=np.int16).astype(float)
    driver = np.frombuffer(another_voice(2.0, level=0.3), dtype=np.int16).astype(float)
    both = echo.copy()
    both[2 * RATE :] += driver  # after 2 s of echo alone, he talks over her
    found = verdicts(karla, np.clip(both, -32768, 32767).astype(np.int16).tobytes())
    assert all(found[60:100])  # her echo alone: echo
    assert not any(found[115:])  # him over her echo: not echo, within 300 ms
