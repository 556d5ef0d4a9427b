"""The PoC browser: Karla's protocol with the microphone at the browser's own rate."""

from __future__ import annotations

import json

import pytest

from media_server.audio.codec import rms_dbfs
from media_server.transports.base import UNSUPPORTED_DATA, Audio, ProtocolError, Start, Stop
from media_server.transports.browser import BrowserCodec
from tests.unit.audio.signals import sine


def start(rate: object = 48000) -> str:
    return json.dumps({"type": "start", "v": 1, "media_token": "tok-123", "sample_rate": rate})


def test_a_48_khz_microphone_reaches_the_pipeline_as_8_khz_frames():
    codec = BrowserCodec()
    second = sine(1000, 1.0, rate=48000)
    events = codec.receive(start(48000))
    for i in range(0, len(second), 1920):  # 20 ms at 48 kHz
        events += codec.receive(second[i : i + 1920])
    events += codec.receive(json.dumps({"type": "stop", "reason": "hangup"}))
    assert events[0] == Start(media_token="tok-123", call_id="", codec="pcm16", sample_rate=48000)
    assert events[-1] == Stop("hangup")
    audio = [event.pcm16 for event in events[1:-1] if isinstance(event, Audio)]
    assert len(audio) == len(events) - 2
    assert all(len(frame) == 320 for frame in audio)
    assert len(audio) in (50, 51)  # one second, the last frame padded
    pcm = b"".join(audio)
    assert rms_dbfs(pcm[4000:12000]) == pytest.approx(rms_dbfs(second), abs=0.1)


def test_an_8_khz_page_passes_straight_through():
    codec = BrowserCodec()
    codec.receive(start(8000))
    frame = sine(440, 0.02)
    assert codec.receive(frame) == [Audio(frame)]


def test_outbound_is_karlas_protocol():
    codec = BrowserCodec()
    codec.receive(start())
    frame = sine(440, 0.02)
    assert codec.send_audio(frame) == [frame]
    assert json.loads(codec.clear()[0]) == {"type": "clear"}


@pytest.mark.parametrize("rate", [None, 22050, "48000", 48000.0])
def test_other_sample_rates_are_unsupported(rate):
    with pytest.raises(ProtocolError, match="sample_rate must be one of") as caught:
        BrowserCodec().receive(start(rate))
    assert caught.value.code == UNSUPPORTED_DATA


@pytest.mark.parametrize(("size", "accepted"), [(9600, True), (9602, False), (1921, False)])
def test_binary_frames_may_hold_up_to_100_ms_at_the_browsers_rate(size, accepted):
    codec = BrowserCodec()
    codec.receive(start(48000))
    if accepted:
        codec.receive(bytes(size))
    else:
        with pytest.raises(ProtocolError, match=f"binary frame of {size} bytes"):
            codec.receive(bytes(size))
