import base64
import json

from bench.protocol import (
    MULAW_FRAME_BYTES,
    SENTINEL_MULAW,
    SENTINEL_PCM16,
    CallerMessages,
    b64,
    mulaw_decode_sample,
    mulaw_to_pcm16,
    voiced_frames,
)
from media_server.audio.codec import mulaw_to_pcm16 as karla_mulaw_to_pcm16
from media_server.providers.stt.loadtest import EOU_SENTINEL_PCM16, is_eou_sentinel
from media_server.transports.base import Audio, Start
from media_server.transports.twilio_stream import TwilioStreamCodec


def test_sentinel_is_the_agreed_160_byte_mulaw_payload():
    assert len(SENTINEL_MULAW) == MULAW_FRAME_BYTES == 160
    assert (b"KARLA-EOU-SENTINEL" * 9)[:160] == SENTINEL_MULAW
    assert SENTINEL_MULAW.startswith(b"KARLA-EOU-SENTINEL")


def test_both_bots_see_the_same_decoded_sentinel():
    """pipecat's fake STT compares against SENTINEL_PCM16, Karla's against its own decode."""
    assert len(SENTINEL_PCM16) == 320
    assert SENTINEL_PCM16 == karla_mulaw_to_pcm16(SENTINEL_MULAW) == EOU_SENTINEL_PCM16


def test_our_mulaw_decoder_matches_karlas_for_every_byte():
    every_byte = bytes(range(256))
    assert mulaw_to_pcm16(every_byte) == karla_mulaw_to_pcm16(every_byte)
    assert mulaw_decode_sample(0xFF) == 0  # mu-law silence is PCM zero
    assert mulaw_decode_sample(0x00) == -32124


def test_voiced_frames_are_distinct_loud_20ms_frames_and_never_the_sentinel():
    frames = voiced_frames()
    assert len(set(frames)) == len(frames)
    for frame in frames:
        assert len(frame) == MULAW_FRAME_BYTES
        assert frame != SENTINEL_MULAW
        pcm = mulaw_to_pcm16(frame)
        peak = max(
            abs(int.from_bytes(pcm[i : i + 2], "little", signed=True)) for i in range(0, 320, 2)
        )
        assert peak > 4000


def test_a_caller_is_understood_by_karlas_twilio_codec_up_to_the_sentinel():
    caller = CallerMessages(7, media_token="loadtest:7")
    codec = TwilioStreamCodec()
    assert codec.receive(caller.connected()) == []
    [start] = codec.receive(caller.start())
    assert isinstance(start, Start)
    assert start.media_token == "loadtest:7"
    assert start.call_id == caller.call_sid
    [voiced] = codec.receive(caller.media(b64(voiced_frames()[0])))
    assert isinstance(voiced, Audio)
    assert not is_eou_sentinel(voiced.pcm16)
    [sentinel] = codec.receive(caller.media(b64(SENTINEL_MULAW)))
    assert isinstance(sentinel, Audio)
    assert is_eou_sentinel(sentinel.pcm16)


def test_media_messages_carry_twilio_sequence_chunk_and_timestamp():
    caller = CallerMessages(1, media_token="loadtest:1")
    caller.connected()
    caller.start()
    first = json.loads(caller.media(b64(SENTINEL_MULAW)))
    second = json.loads(caller.media(b64(SENTINEL_MULAW)))
    assert first["event"] == "media"
    assert first["streamSid"] == caller.stream_sid
    assert (first["media"]["chunk"], first["media"]["timestamp"]) == ("1", "0")
    assert (second["media"]["chunk"], second["media"]["timestamp"]) == ("2", "20")
    assert int(second["sequenceNumber"]) == int(first["sequenceNumber"]) + 1
    assert base64.b64decode(first["media"]["payload"]) == SENTINEL_MULAW
