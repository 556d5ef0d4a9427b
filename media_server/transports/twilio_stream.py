"""Twilio Media Streams (`<Connect><Stream>`, bidirectional): the same interface over another
carrier's wire, to keep `MediaCodec` honest. Telnyx speaks the same events with other field
names (`stream_id`, `media_format`, PCMU) and would be a sibling module.

Every message is a JSON text frame; audio travels as base64 mu-law 8 kHz, 160 bytes per
20 ms. The media token rides in the stream's `customParameters` (TwiML
`<Parameter name="media_token" .../>`), since Twilio lets us set nothing else on the socket.
Twilio has no hang-up message on the stream: closing the socket ends `<Connect>` and the
call moves on to the next TwiML verb (none: it hangs up), so `close` sends nothing.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from media_server.audio import MULAW_FRAME_BYTES, PCM16_FRAME_BYTES
from media_server.audio.codec import FrameSlicer, mulaw_to_pcm16, pcm16_to_mulaw
from media_server.transports.base import (
    UNSUPPORTED_DATA,
    Audio,
    Dtmf,
    Event,
    Mark,
    Message,
    Phase,
    ProtocolError,
    Start,
    Stop,
    parse_json_object,
    require_dtmf,
    require_object,
    require_str,
    require_whole_frames,
    to_json,
)

MEDIA_TOKEN_PARAM = "media_token"  # noqa: S105 (the parameter's name, not a secret)
MEDIA_FORMAT = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}
MAX_PAYLOAD_BYTES = MULAW_FRAME_BYTES * 5  # 100 ms of mu-law


class TwilioStreamCodec:
    """One Twilio media stream WebSocket (see `MediaCodec` in base.py)."""

    def __init__(self) -> None:
        self._phase = Phase.AWAITING_START
        self._stream_sid = ""
        self._slicer = FrameSlicer()
        self._media_head = ""  # an outbound media message up to its payload, see send_audio

    def receive(self, message: Message) -> list[Event]:
        if not isinstance(message, str):
            raise ProtocolError("Twilio media streams send text frames only", UNSUPPORTED_DATA)
        msg = parse_json_object(message)
        event = msg.get("event")
        if self._phase is Phase.AWAITING_START:
            if event == "connected":
                return []
            if event != "start":
                raise ProtocolError(f"expected connected or start, got event {event!r}")
            start = self._parse_start(msg)
            self._phase = Phase.STREAMING
            return [start]
        if self._phase is Phase.STOPPED:
            raise ProtocolError(f"event {event!r} after stop")
        if event in ("connected", "start"):
            raise ProtocolError(f"event {event!r} after the stream started")
        if msg.get("streamSid") != self._stream_sid:
            raise ProtocolError(f"event {event!r} for another streamSid")
        if event == "media":
            return self._parse_media(require_object(msg, "media", "media"))
        if event == "mark":
            return [Mark(require_str(require_object(msg, "mark", "mark"), "name", "mark"))]
        if event == "dtmf":
            dtmf = require_object(msg, "dtmf", "dtmf")
            return [Dtmf(require_dtmf(require_str(dtmf, "digit", "dtmf")))]
        if event == "stop":
            self._phase = Phase.STOPPED
            # Twilio does not say why; the call status callback does.
            return [*(Audio(frame) for frame in self._slicer.flush()), Stop("hangup")]
        raise ProtocolError(f"unknown event {event!r}")

    def _parse_start(self, msg: Mapping[str, Any]) -> Start:
        start = require_object(msg, "start", "start")
        media_format = require_object(start, "mediaFormat", "start")
        if any(media_format.get(key) != value for key, value in MEDIA_FORMAT.items()):
            raise ProtocolError(
                "start mediaFormat must be audio/x-mulaw, 8000 Hz, 1 channel", UNSUPPORTED_DATA
            )
        custom = start.get("customParameters", {})
        if not isinstance(custom, dict):
            raise ProtocolError("start customParameters must be an object")
        self._stream_sid = require_str(msg, "streamSid", "start")
        # Outbound media messages (50 a second) differ only in their base64 payload, which
        # needs no JSON escaping: the rest of `to_json`'s text is built once per stream.
        empty = {"event": "media", "streamSid": self._stream_sid, "media": {"payload": ""}}
        self._media_head = to_json(empty).removesuffix('"}}')
        return Start(
            media_token=require_str(custom, MEDIA_TOKEN_PARAM, "start customParameters"),
            call_id=require_str(start, "callSid", "start"),
            codec="mulaw",
            sample_rate=8000,
            params={str(k): str(v) for k, v in custom.items() if k != MEDIA_TOKEN_PARAM},
        )

    def _parse_media(self, media: Mapping[str, Any]) -> list[Event]:
        if media.get("track", "inbound") != "inbound":
            return []  # Karla's own voice, sent back when a stream is set to both tracks
        payload = require_str(media, "payload", "media")
        try:
            mulaw = base64.b64decode(payload, validate=True)
        except binascii.Error:
            raise ProtocolError("media payload is not valid base64") from None
        if not mulaw or len(mulaw) > MAX_PAYLOAD_BYTES:
            raise ProtocolError(
                f"media payload of {len(mulaw)} bytes, want 1 to {MAX_PAYLOAD_BYTES} (100 ms)"
            )
        return [Audio(frame) for frame in self._slicer.push(mulaw_to_pcm16(mulaw))]

    def _sid(self) -> str:
        if not self._stream_sid:
            raise RuntimeError("no Twilio stream has started: nothing to address")
        return self._stream_sid

    def send_audio(self, pcm16: bytes) -> list[Message]:
        require_whole_frames(pcm16, PCM16_FRAME_BYTES)
        payload = base64.b64encode(pcm16_to_mulaw(pcm16)).decode("ascii")
        self._sid()  # a stream must have started
        return [f'{self._media_head}{payload}"}}}}']

    def mark(self, name: str) -> list[Message]:
        return [to_json({"event": "mark", "streamSid": self._sid(), "mark": {"name": name}})]

    def clear(self) -> list[Message]:
        return [to_json({"event": "clear", "streamSid": self._sid()})]

    def close(self, reason: str) -> list[Message]:
        return []
