import pytest

from bench.realtime import BotTurn

FRAME = 160  # mu-law bytes in 20 ms


def turn_with(arrivals, expected_s=1.0):
    turn = BotTurn(eou_at=10.0, expected_audio_s=expected_s)
    for at in arrivals:
        turn.on_audio(at, FRAME)
    return turn


def test_a_reply_paced_exactly_in_real_time_has_no_late_frame():
    turn = turn_with([10.005 + 0.020 * k for k in range(50)])
    assert turn.late_frames == 0
    assert turn.complete()
    assert turn.dropped_frames() == 0
    assert turn.latency_s == pytest.approx(0.005)


def test_a_gap_past_the_jitter_buffer_makes_the_frame_late():
    arrivals = [10.0 + 0.020 * k for k in range(10)]
    arrivals += [arrivals[-1] + 0.045 + 0.020 * k for k in range(40)]  # one 45 ms gap
    turn = turn_with(arrivals)
    assert turn.late_frames == 40  # the caller heard a gap, and everything after is behind
    assert turn.worst_underrun_s == pytest.approx(0.005)
    assert turn.max_gap_s == pytest.approx(0.045)


def test_a_gap_within_the_jitter_buffer_is_not_late():
    arrivals = [10.0 + 0.020 * k for k in range(10)]
    arrivals += [arrivals[-1] + 0.039 + 0.020 * k for k in range(40)]
    assert turn_with(arrivals).late_frames == 0


def test_a_bot_sending_ahead_of_real_time_may_pause_without_being_late():
    """pipecat sends 20 ms frames every 10 ms: a 100 ms pause is covered by what it sent ahead."""
    arrivals = [10.0 + 0.010 * k for k in range(25)]
    arrivals += [arrivals[-1] + 0.100 + 0.010 * k for k in range(25)]
    turn = turn_with(arrivals)
    assert turn.late_frames == 0
    assert turn.complete()


def test_a_short_reply_counts_its_missing_frames_as_dropped():
    turn = turn_with([10.0 + 0.020 * k for k in range(30)])
    assert not turn.complete()
    assert turn.dropped_frames() == 20


def test_an_unanswered_turn_has_no_latency_and_drops_the_whole_reply():
    turn = BotTurn(eou_at=10.0, expected_audio_s=1.0)
    assert not turn.answered
    assert turn.latency_s is None
    assert turn.playout_ends_at() is None
    assert turn.dropped_frames() == 50


def test_playout_ends_when_the_caller_has_heard_the_whole_reply():
    turn = turn_with([10.2 + 0.010 * k for k in range(50)])
    assert turn.playout_ends_at() == pytest.approx(11.2)
