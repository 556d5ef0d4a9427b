"""Karla's media protocol, as the RingCentral bridge and the emulator speak it."""

from __future__ import annotations

import json

import pytest

from media_server.transports.base import (
    POLICY_VIOLATION,
    UNSUPPORTED_DATA,
    Audio,
    Dtmf,
    Mark,
    ProtocolError,
    Start,
    Stop,
)
from media_server.transports.karla_protocol import KarlaCodec

START = {
    "type": "start",
    "v": 1,
    "media_token": "tok-123",
    "call_id": "call-9",
    "from": "+525512345678",
    "to": "+525598765432",
    "direction": "outbound",
}
FRAME = bytes(range(256)) + bytes(64)  # 320 bytes


def started() -> KarlaCodec:
    codec = KarlaCodec()
    codec.receive(json.dumps(START))
    return codec


def test_a_whole_call_in_messages_out_events():
    codec = KarlaCodec()
    messages = [
        json.dumps(START),
        FRAME,
        json.dumps({"type": "dtmf", "digit": "5"}),
        FRAME * 2,  # 40 ms in one frame: two frames for the pipeline
        FRAME[:200],
        FRAME[200:] + FRAME[:100],
        json.dumps({"type": "mark", "name": "utt-1"}),
        json.dumps({"type": "stop", "reason": "hangup"}),
    ]
    events = [event for message in messages for event in codec.receive(message)]
    assert events == [
        Start(
            media_token="tok-123",
            call_id="call-9",
            codec="pcm16",
            sample_rate=8000,
            params={"from": "+525512345678", "to": "+525598765432", "direction": "outbound"},
        ),
        Audio(FRAME),
        Dtmf("5"),
        Audio(FRAME),
        Audio(FRAME),
        Audio(FRAME),
        Mark("utt-1"),
        Audio(FRAME[:100] + bytes(220)),  # the last partial frame, padded with silence
        Stop("hangup"),
    ]


def test_unknown_fields_are_ignored_for_forward_compatibility():
    codec = KarlaCodec()
    [start] = codec.receive(json.dumps({**START, "codec_hint": "pcm16"}))
    assert isinstance(start, Start)


def test_actions_become_binary_frames_and_json_controls():
    codec = started()
    assert codec.send_audio(FRAME * 2) == [FRAME, FRAME]
    assert [json.loads(m) for m in codec.mark("utt-2")] == [{"type": "mark", "name": "utt-2"}]
    assert [json.loads(m) for m in codec.clear()] == [{"type": "clear"}]
    [transfer] = codec.transfer("+525500000000", {"summary": "cambio de fecha"})
    assert json.loads(transfer) == {
        "type": "transfer",
        "target": "+525500000000",
        "context": {"summary": "cambio de fecha"},
    }
    [hangup] = codec.close("completed")
    assert json.loads(hangup) == {"type": "hangup", "reason": "completed"}


@pytest.mark.parametrize("size", [0, 100, 319])
def test_outbound_audio_must_be_whole_frames(size):
    with pytest.raises(ValueError, match="whole 320-byte frames"):
        started().send_audio(bytes(size))


def reject(codec: KarlaCodec, message: str | bytes | dict) -> ProtocolError:
    if isinstance(message, dict):
        message = json.dumps(message)
    with pytest.raises(ProtocolError) as caught:
        codec.receive(message)
    return caught.value


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (FRAME, "audio while awaiting start"),
        ({"type": "mark", "name": "x"}, "first message must be start, got type 'mark'"),
        ("{not json", "text frame is not valid JSON"),
        ("[1, 2]", "text frame is not a JSON object"),
        ({**START, "media_token": ""}, "start needs a non-empty string 'media_token'"),
        ({k: v for k, v in START.items() if k != "call_id"}, "start needs a non-empty string"),
        ({k: v for k, v in START.items() if k != "from"}, "start needs a string 'from'"),
        ({**START, "direction": "sideways"}, "start direction must be"),
    ],
)
def test_before_start_only_a_valid_start_is_accepted(message, reason):
    error = reject(KarlaCodec(), message)
    assert error.reason.startswith(reason)
    assert error.code == POLICY_VIOLATION


@pytest.mark.parametrize("version", ["missing", None, 2, "1", True])
def test_other_protocol_versions_are_unsupported(version):
    start = {k: v for k, v in START.items() if k != "v"}
    if version != "missing":
        start["v"] = version
    error = reject(KarlaCodec(), start)
    assert "protocol version" in error.reason
    assert error.code == UNSUPPORTED_DATA


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (b"", "binary frame of 0 bytes"),
        (b"\x00" * 321, "binary frame of 321 bytes"),
        (b"\x00" * 1602, "binary frame of 1602 bytes: send whole PCM16 samples, at most 1600"),
        ({"type": "dance"}, "unknown message type 'dance'"),
        ({"name": "x"}, "unknown message type None"),
        (START, "second start on one stream"),
        ({"type": "mark"}, "mark needs a non-empty string 'name'"),
        ({"type": "dtmf", "digit": "55"}, "dtmf digit must be one of"),
        ({"type": "dtmf", "digit": 5}, "dtmf needs a non-empty string 'digit'"),
        ({"type": "stop", "reason": "bored"}, "stop reason must be one of"),
    ],
)
def test_malformed_messages_in_a_stream_are_protocol_errors(message, reason):
    assert reject(started(), message).reason.startswith(reason)


def test_frames_up_to_100_ms_are_accepted():
    assert len(started().receive(bytes(1600))) == 5


def test_nothing_is_accepted_after_stop():
    codec = started()
    codec.receive(json.dumps({"type": "stop", "reason": "transfer"}))
    assert reject(codec, FRAME).reason == "audio while stopped"
    error = reject(codec, {"type": "mark", "name": "x"})
    assert error.reason == "message of type 'mark' after stop"


def test_close_reasons_fit_in_a_close_frame():
    error = reject(started(), {"type": "x" * 500})
    assert len(error.reason.encode()) <= 123
