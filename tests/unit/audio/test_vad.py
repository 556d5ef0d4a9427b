"""When the driver starts and stops talking, counted in 20 ms frames."""

from __future__ import annotations

import pytest
import webrtcvad
from hypothesis import given
from hypothesis import strategies as st

from media_server.audio.codec import rms_dbfs
from media_server.audio.vad import Hangover, VadEvent, VoiceActivity
from tests.unit.audio.signals import frames, noise, voice

START, END = VadEvent.SPEECH_START, VadEvent.SPEECH_END
SILENCE = bytes(320)


def events_at(detector, decisions_or_frames):
    """(frame index, event) for every event the sequence produced."""
    pushed = (detector.push(item) for item in decisions_or_frames)
    return [(index, event) for index, event in enumerate(pushed) if event is not None]


def test_speech_starts_on_the_third_voiced_frame_in_a_row():
    assert events_at(Hangover(3, 25), [False, True, True, True, True]) == [(3, START)]


def test_a_click_of_two_frames_never_starts_speech():
    hangover = Hangover(3, 25)
    assert events_at(hangover, [True, True, False] * 10) == []
    assert not hangover.in_speech


def test_speech_ends_after_the_25th_unvoiced_frame_in_a_row():
    decisions = [True] * 3 + [False] * 24 + [True] + [False] * 25
    assert events_at(Hangover(3, 25), decisions) == [(2, START), (52, END)]


@given(st.lists(st.booleans(), max_size=200), st.integers(1, 5), st.integers(1, 30))
def test_events_alternate_and_in_speech_follows_them(decisions, start_frames, end_frames):
    hangover = Hangover(start_frames, end_frames)
    events = [event for _, event in events_at(hangover, decisions)]
    assert events == [START, END] * (len(events) // 2) + [START] * (len(events) % 2)
    assert hangover.in_speech == (events[-1:] == [START])


def test_hangover_needs_at_least_one_frame_each_way():
    with pytest.raises(ValueError, match="at least 1"):
        Hangover(0, 25)


def test_a_driver_talking_for_a_second_is_one_utterance():
    talk = frames(voice(1.0))
    assert all(webrtcvad.Vad(2).is_speech(frame, 8000) for frame in talk)  # the premise
    vad = VoiceActivity()
    got = events_at(vad, [SILENCE] * 10 + talk + [SILENCE] * 30)
    assert got == [(10 + 2, START), (10 + len(talk) + 24, END)]
    assert not vad.in_speech


def test_a_shorter_end_hangover_cuts_the_turn_sooner():
    talk = frames(voice(0.5))
    got = events_at(VoiceActivity(end_frames=10), talk + [SILENCE] * 10)
    assert got == [(2, START), (len(talk) + 9, END)]


def test_silence_is_never_speech():
    vad = VoiceActivity()
    assert events_at(vad, [SILENCE] * 100) == []


def test_faint_line_hiss_stays_silent_though_webrtcvad_would_call_it_speech():
    hiss = frames(noise(1.0, dbfs=-60))
    raw = webrtcvad.Vad(2)
    assert sum(raw.is_speech(frame, 8000) for frame in hiss) >= 3  # it adapts slowly
    vad = VoiceActivity()
    assert events_at(vad, hiss) == []
    assert not any(vad.is_voiced(frame) for frame in hiss)


def test_a_raised_energy_floor_ignores_voices_quieter_than_it():
    background = voice(1.0, level=0.05)  # a television in the cab
    assert -45 < rms_dbfs(background) < -35
    assert events_at(VoiceActivity(), frames(background))  # heard at the default floor
    assert events_at(VoiceActivity(energy_floor_dbfs=-35), frames(background)) == []


def test_frames_of_the_wrong_size_are_refused():
    with pytest.raises(ValueError, match="320-byte frames"):
        VoiceActivity().push(bytes(640))


def test_aggressiveness_is_webrtcvads_0_to_3():
    with pytest.raises(ValueError, match="invalid mode"):
        VoiceActivity(aggressiveness=4)
