"""Karla's own media protocol: what the RingCentral media bridge and the telephony emulator
speak (specified in docs/media-protocol.md).

Binary frames carry raw PCM16 LE 8 kHz mono, the pipeline's own format, so the hot path is
a length check and a slice; text frames carry small JSON control messages. The protocol is
strict on purpose: the only clients are our own bridge and emulator, and a silent
mis-parse would show up as a driver Karla cannot hear.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from media_server.audio import PCM16_FRAME_BYTES, SAMPLE_RATE
from media_server.audio.codec import FrameSlicer
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
    require_str,
    require_whole_frames,
    to_json,
)

PROTOCOL_VERSION = 1
MAX_AUDIO_MS = 100  # longest inbound binary frame accepted
DIRECTIONS = frozenset({"outbound", "inbound"})
STOP_REASONS = frozenset({"hangup", "transfer", "error"})
_CLEAR = to_json({"type": "clear"})


class KarlaCodec:
    """One media WebSocket speaking Karla's protocol (see `MediaCodec` in base.py)."""

    def __init__(self) -> None:
        self._phase = Phase.AWAITING_START
        self._slicer = FrameSlicer()
        self._max_audio_bytes = SAMPLE_RATE * MAX_AUDIO_MS // 1000 * 2

    def receive(self, message: Message) -> list[Event]:
        if isinstance(message, str):
            return self._receive_control(parse_json_object(message))
        if self._phase is not Phase.STREAMING:
            raise ProtocolError(f"audio while {self._phase.value}")
        size = len(message)
        if not size or size % 2 or size > self._max_audio_bytes:
            raise ProtocolError(
                f"binary frame of {size} bytes: send whole PCM16 samples, "
                f"at most {self._max_audio_bytes} bytes ({MAX_AUDIO_MS} ms)"
            )
        return [Audio(frame) for frame in self._slicer.push(self._decode(message))]

    def _receive_control(self, msg: Mapping[str, Any]) -> list[Event]:
        kind = msg.get("type")
        if self._phase is Phase.AWAITING_START:
            if kind != "start":
                raise ProtocolError(f"first message must be start, got type {kind!r}")
            start = self._parse_start(msg)
            self._phase = Phase.STREAMING
            return [start]
        if self._phase is Phase.STOPPED:
            raise ProtocolError(f"message of type {kind!r} after stop")
        if kind == "mark":
            return [Mark(require_str(msg, "name", "mark"))]
        if kind == "dtmf":
            return [Dtmf(require_dtmf(require_str(msg, "digit", "dtmf")))]
        if kind == "stop":
            reason = require_str(msg, "reason", "stop")
            if reason not in STOP_REASONS:
                raise ProtocolError(f"stop reason must be one of {sorted(STOP_REASONS)}")
            self._phase = Phase.STOPPED
            tail = self._slicer.push(self._drain()) + self._slicer.flush()
            return [*(Audio(frame) for frame in tail), Stop(reason)]
        if kind == "start":
            raise ProtocolError("second start on one stream")
        raise ProtocolError(f"unknown message type {kind!r}")

    def _parse_start(self, msg: Mapping[str, Any]) -> Start:
        require_version(msg)
        direction = require_str(msg, "direction", "start")
        if direction not in DIRECTIONS:
            raise ProtocolError("start direction must be 'outbound' or 'inbound'")
        return Start(
            media_token=require_str(msg, "media_token", "start"),
            call_id=require_str(msg, "call_id", "start"),
            codec="pcm16",
            sample_rate=SAMPLE_RATE,
            params={
                "from": require_str(msg, "from", "start", empty=True),
                "to": require_str(msg, "to", "start", empty=True),
                "direction": direction,
            },
        )

    def _decode(self, pcm16: bytes) -> bytes:
        """Inbound audio to PCM16 8 kHz: already is."""
        return pcm16

    def _drain(self) -> bytes:
        """Audio still held inside the decoder when the stream stops: none here."""
        return b""

    def send_audio(self, pcm16: bytes) -> list[Message]:
        require_whole_frames(pcm16, PCM16_FRAME_BYTES)
        return [pcm16[i : i + PCM16_FRAME_BYTES] for i in range(0, len(pcm16), PCM16_FRAME_BYTES)]

    def mark(self, name: str) -> list[Message]:
        return [to_json({"type": "mark", "name": name})]

    def clear(self) -> list[Message]:
        return [_CLEAR]

    def transfer(self, target: str, context: Mapping[str, Any]) -> list[Message]:
        """Hand the call to a person: the bridge owns the phone leg, so it does the transfer."""
        return [to_json({"type": "transfer", "target": target, "context": dict(context)})]

    def close(self, reason: str) -> list[Message]:
        return [to_json({"type": "hangup", "reason": reason})]


def require_version(msg: Mapping[str, Any]) -> None:
    version = msg.get("v")
    if type(version) is not int or version != PROTOCOL_VERSION:
        raise ProtocolError(
            f'start needs protocol version "v": {PROTOCOL_VERSION}, got {version!r}',
            UNSUPPORTED_DATA,
        )
