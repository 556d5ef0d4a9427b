"""Conversions keep the driver's voice intact: levels, lengths and frame boundaries."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from media_server.audio.codec import (
    FrameSlicer,
    StreamingResampler,
    mulaw_to_pcm16,
    pcm16_to_mulaw,
    resample_pcm16,
    rms_dbfs,
)
from tests.unit.audio.signals import sine

ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int16)


def as_ints(pcm16: bytes) -> np.ndarray:
    return np.frombuffer(pcm16, dtype=np.int16).astype(np.int64)


def test_mulaw_matches_the_g711_table_at_its_ends():
    assert pcm16_to_mulaw(b"\x00\x00") == b"\xff"
    assert as_ints(mulaw_to_pcm16(b"\x00\x80\xff")).tolist() == [-32124, 32124, 0]


def test_mulaw_round_trip_error_stays_within_one_segment_step():
    decoded = as_ints(mulaw_to_pcm16(pcm16_to_mulaw(ALL_SAMPLES.tobytes())))
    original = ALL_SAMPLES.astype(np.int64)
    error = np.abs(decoded - original)
    # Logarithmic steps: the error grows with the level, under 1/16 of it plus a little.
    assert np.all(error <= np.abs(original) // 16 + 8)
    unclipped = np.abs(original) <= 32124
    assert np.all(error[unclipped] <= np.abs(original[unclipped]) // 32 + 8)


def test_every_mulaw_code_survives_decode_then_encode():
    codes = bytes(range(256))
    again = pcm16_to_mulaw(mulaw_to_pcm16(codes))
    # 0x7F is "negative zero": it decodes to 0, which encodes as 0xFF.
    assert again == codes.replace(b"\x7f", b"\xff")


def test_pcm16_with_half_a_sample_is_refused():
    with pytest.raises(ValueError, match="whole 2-byte samples"):
        pcm16_to_mulaw(b"\x00\x00\x00")


def test_rms_dbfs_reads_a_full_scale_sine_at_minus_3():
    assert rms_dbfs(sine(1000, 0.1, amplitude=1.0)) == pytest.approx(-3.01, abs=0.05)
    assert rms_dbfs(sine(1000, 0.1, amplitude=0.5)) == pytest.approx(-9.03, abs=0.05)
    assert rms_dbfs(bytes(320)) == -math.inf
    assert rms_dbfs(b"") == -math.inf


@pytest.mark.parametrize(
    ("from_rate", "to_rate"),
    [(8000, 16000), (16000, 8000), (24000, 8000), (22050, 8000), (48000, 8000)],
)
def test_resampling_a_clip_keeps_its_length_and_level(from_rate, to_rate):
    clip = sine(1000, 1.0, rate=from_rate)
    out = resample_pcm16(clip, from_rate, to_rate)
    assert len(out) == 2 * to_rate
    middle = out[len(out) // 4 : 3 * len(out) // 4]
    assert rms_dbfs(middle) == pytest.approx(rms_dbfs(clip), abs=0.1)


def test_resampling_to_the_same_rate_is_the_identity():
    clip = sine(440, 0.02)
    assert resample_pcm16(clip, 8000, 8000) == clip


def test_a_tts_stream_resampled_in_chunks_keeps_its_length_and_level():
    clip = sine(1000, 1.0, rate=24000)
    resampler = StreamingResampler(24000, 8000)
    out = b"".join(resampler.process(clip[i : i + 960]) for i in range(0, len(clip), 960))
    out += resampler.flush()
    assert abs(len(out) - 16000) <= 4
    assert rms_dbfs(out[4000:12000]) == pytest.approx(rms_dbfs(clip), abs=0.1)


def test_chunks_cut_mid_sample_resample_like_whole_ones():
    clip = sine(1000, 0.5, rate=16000)
    whole, odd = StreamingResampler(16000, 8000), StreamingResampler(16000, 8000)
    expected = b"".join(whole.process(clip[i : i + 640]) for i in range(0, len(clip), 640))
    got = b"".join(odd.process(clip[i : i + 333]) for i in range(0, len(clip), 333))
    expected, got = expected + whole.flush(), got + odd.flush()
    assert len(got) == len(expected)
    assert np.max(np.abs(as_ints(got) - as_ints(expected))) <= 4  # soxr's rounding only


def test_a_same_rate_stream_passes_audio_through_holding_a_dangling_byte():
    resampler = StreamingResampler(8000, 8000)
    assert resampler.process(b"\x01\x02\x03") == b"\x01\x02"
    assert resampler.process(b"\x04") == b"\x03\x04"


def test_barge_in_drops_what_the_resampler_held_back():
    resampler = StreamingResampler(24000, 8000)
    held = resampler.process(sine(1000, 0.02, rate=24000))
    assert len(held) < 320  # soxr is still buffering
    resampler.clear()
    assert resampler.flush() == b""


chunks = st.lists(st.integers(min_value=0, max_value=1500), max_size=30)


@given(sizes=chunks, seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_frame_slicer_yields_exact_frames_and_keeps_the_remainder(sizes, seed):
    stream = np.random.default_rng(seed).bytes(sum(sizes))
    slicer, produced, offset = FrameSlicer(), [], 0
    for size in sizes:
        produced += slicer.push(stream[offset : offset + size])
        offset += size
    assert all(len(frame) == 320 for frame in produced)
    assert b"".join(produced) == stream[: len(produced) * 320]
    assert slicer.pending == len(stream) % 320
    tail = slicer.flush()
    if len(stream) % 320:
        assert tail == [stream[len(produced) * 320 :].ljust(320, b"\x00")]
    else:
        assert tail == []
    assert slicer.pending == 0


def test_frame_slicer_forgets_a_partial_frame_on_clear():
    slicer = FrameSlicer()
    slicer.push(bytes(100))
    slicer.clear()
    assert slicer.push(b"\x01" * 320) == [b"\x01" * 320]


def test_frame_slicer_refuses_frames_of_half_samples():
    with pytest.raises(ValueError, match="positive even"):
        FrameSlicer(321)
