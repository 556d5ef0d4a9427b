"""Twilio Media Streams behind the same interface: base64 mu-law in JSON."""

from __future__ import annotations

import base64
import json

import pytest

from media_server.audio.codec import mulaw_to_pcm16, pcm16_to_mulaw
from media_server.transports.base import (
    UNSUPPORTED_DATA,
    Audio,
    Dtmf,
    Mark,
    ProtocolError,
    Start,
    Stop,
)
from media_server.transports.twilio_stream import TwilioStreamCodec
from tests.unit.audio.signals import sine

SID = "MZ18ad3ab5a668481ce02b83e7395059f0"
CONNECTED = {"event": "connected", "protocol": "Call", "version": "1.0.0"}
START = {
    "event": "start",
    "sequenceNumber": "1",
    "start": {
        "accountSid": "AC0000",
        "streamSid": SID,
        "callSid": "CA0000",
        "tracks": ["inbound"],
        "customParameters": {"media_token": "tok-123", "campaign": "trips"},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    },
    "streamSid": SID,
}
MULAW = pcm16_to_mulaw(sine(440, 0.02))  # 160 bytes


def media(mulaw: bytes = MULAW, *, track: str = "inbound", payload: str | None = None) -> str:
    body = {"track": track, "chunk": "1", "timestamp": "5", "payload": payload}
    if payload is None:
        body["payload"] = base64.b64encode(mulaw).decode()
    return json.dumps({"event": "media", "sequenceNumber": "3", "media": body, "streamSid": SID})


def event(name: str, **body) -> str:
    return json.dumps({"event": name, "sequenceNumber": "4", "streamSid": SID, **body})


def started() -> TwilioStreamCodec:
    codec = TwilioStreamCodec()
    codec.receive(json.dumps(CONNECTED))
    codec.receive(json.dumps(START))
    return codec


def test_a_whole_call_in_messages_out_events():
    codec = TwilioStreamCodec()
    messages = [
        json.dumps(CONNECTED),
        json.dumps(START),
        media(),
        event("dtmf", dtmf={"track": "inbound_track", "digit": "#"}),
        media(MULAW[:100]),
        event("mark", mark={"name": "utt-1"}),
        event("stop", stop={"accountSid": "AC0000", "callSid": "CA0000"}),
    ]
    events = [e for message in messages for e in codec.receive(message)]
    assert (
        events
        == [
            Start(
                media_token="tok-123",
                call_id="CA0000",
                codec="mulaw",
                sample_rate=8000,
                params={"campaign": "trips"},  # the token stays out of what gets logged
            ),
            Audio(mulaw_to_pcm16(MULAW)),
            Dtmf("#"),
            Mark("utt-1"),
            Audio(mulaw_to_pcm16(MULAW[:100]) + bytes(120)),
            Stop("hangup"),
        ]
    )


def test_karlas_own_track_echoed_back_is_not_heard():
    assert started().receive(media(track="outbound")) == []


def test_actions_address_the_stream():
    codec = started()
    frame = sine(440, 0.02)
    [out] = codec.send_audio(frame)
    message = json.loads(out)
    assert message["event"] == "media"
    assert message["streamSid"] == SID
    assert base64.b64decode(message["media"]["payload"]) == pcm16_to_mulaw(frame)
    assert json.loads(codec.mark("utt-2")[0]) == {
        "event": "mark",
        "streamSid": SID,
        "mark": {"name": "utt-2"},
    }
    assert json.loads(codec.clear()[0]) == {"event": "clear", "streamSid": SID}
    assert codec.close("completed") == []  # closing the socket is the hang-up


def test_actions_before_start_are_a_bug_on_our_side():
    with pytest.raises(RuntimeError, match="no Twilio stream has started"):
        TwilioStreamCodec().clear()


def reject(codec: TwilioStreamCodec, message: str | bytes | dict) -> ProtocolError:
    if isinstance(message, dict):
        message = json.dumps(message)
    with pytest.raises(ProtocolError) as caught:
        codec.receive(message)
    return caught.value


def with_start(**changes) -> dict:
    return {**START, "start": {**START["start"], **changes}}


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (media(), "expected connected or start, got event 'media'"),
        ("{oops", "text frame is not valid JSON"),
        (with_start(customParameters={}), "start customParameters needs a non-empty string"),
        (with_start(customParameters=["tok"]), "start customParameters must be an object"),
        ({**START, "start": "yes"}, "start needs an object 'start'"),
        ({k: v for k, v in START.items() if k != "streamSid"}, "start needs a non-empty"),
    ],
)
def test_before_start_only_a_valid_start_is_accepted(message, reason):
    assert reject(TwilioStreamCodec(), message).reason.startswith(reason)


@pytest.mark.parametrize(
    "media_format",
    [
        {"encoding": "audio/x-l16", "sampleRate": 8000, "channels": 1},
        {"encoding": "audio/x-mulaw", "sampleRate": 16000, "channels": 1},
        {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 2},
    ],
)
def test_other_media_formats_are_unsupported(media_format):
    error = reject(TwilioStreamCodec(), with_start(mediaFormat=media_format))
    assert error.reason.startswith("start mediaFormat must be audio/x-mulaw")
    assert error.code == UNSUPPORTED_DATA


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (media(payload="not base64!!"), "media payload is not valid base64"),
        (media(b""), "media needs a non-empty string 'payload'"),
        (media(bytes(801)), "media payload of 801 bytes, want 1 to 800"),
        (event("media"), "media needs an object 'media'"),
        (event("dance"), "unknown event 'dance'"),
        (json.dumps(START), "event 'start' after the stream started"),
        (event("mark", mark={}), "mark needs a non-empty string 'name'"),
        (event("dtmf", dtmf={"digit": "x"}), "dtmf digit must be one of"),
        (json.dumps({"event": "media", "streamSid": "MZother"}), "event 'media' for another"),
    ],
)
def test_malformed_events_in_a_stream_are_protocol_errors(message, reason):
    assert reject(started(), message).reason.startswith(reason)


def test_binary_frames_are_unsupported():
    error = reject(started(), MULAW)
    assert error.code == UNSUPPORTED_DATA


def test_nothing_is_accepted_after_stop():
    codec = started()
    codec.receive(event("stop", stop={}))
    assert reject(codec, media()).reason == "event 'media' after stop"
