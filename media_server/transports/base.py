"""The interface between a media WebSocket and the pipeline, whatever the carrier speaks.

A codec is a pure state machine in the style of h11: the server hands it each WebSocket
message and gets events back; the pipeline calls its actions and gets messages to send
(`str` for a text frame, `bytes` for a binary one). It never touches a socket, so a whole
session is testable as lists in and lists out, and one new carrier is one new module.

Whatever the wire carries, every `Audio` event holds exactly one 20 ms frame of PCM16 8 kHz
mono, and `send_audio` takes PCM16 8 kHz: conversion lives here, not in the pipeline.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

# RFC 6455 close codes the server uses when a codec rejects input.
POLICY_VIOLATION = 1008  # malformed or out-of-order messages
UNSUPPORTED_DATA = 1003  # a frame type, version or audio format we do not take
_MAX_CLOSE_REASON_BYTES = 123  # what fits in a close frame

DTMF_DIGITS = frozenset("0123456789*#ABCD")
WireCodec = Literal["pcm16", "mulaw"]
Message = str | bytes


class ProtocolError(Exception):
    """The far end broke the protocol; close the socket with `code` and `reason`."""

    def __init__(self, reason: str, code: int = POLICY_VIOLATION) -> None:
        self.reason = reason.encode()[:_MAX_CLOSE_REASON_BYTES].decode(errors="ignore")
        self.code = code
        super().__init__(self.reason)


@dataclass(frozen=True, slots=True)
class Start:
    """The stream began. `media_token` names the call session; the rest is informational."""

    media_token: str
    call_id: str  # the carrier's id for the call ("" when it has none, as in the browser)
    codec: WireCodec  # on the wire, before decoding
    sample_rate: int  # on the wire, before decoding
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Audio:
    pcm16: bytes  # one 20 ms frame, PCM16 LE 8 kHz mono


@dataclass(frozen=True, slots=True)
class Mark:
    name: str  # the far end played everything sent before this mark


@dataclass(frozen=True, slots=True)
class Dtmf:
    digit: str


@dataclass(frozen=True, slots=True)
class Stop:
    reason: str


Event = Start | Audio | Mark | Dtmf | Stop


class Phase(enum.Enum):
    """Where a stream is: every protocol here allows audio only between start and stop."""

    AWAITING_START = "awaiting start"
    STREAMING = "streaming"
    STOPPED = "stopped"


class MediaCodec(Protocol):
    def receive(self, message: Message) -> list[Event]:
        """Events carried by one inbound message; raises `ProtocolError` if it is malformed."""
        ...

    def send_audio(self, pcm16: bytes) -> list[Message]:
        """Messages that play this PCM16 8 kHz audio (whole 20 ms frames)."""
        ...

    def mark(self, name: str) -> list[Message]:
        """Ask to be told (a `Mark` event) when playback reaches this point."""
        ...

    def clear(self) -> list[Message]:
        """Drop audio queued at the far end (barge-in)."""
        ...

    def close(self, reason: str) -> list[Message]:
        """Say goodbye before the server closes the socket (may be nothing)."""
        ...


def parse_json_object(message: str) -> dict[str, Any]:
    try:
        value = json.loads(message)
    except ValueError:
        raise ProtocolError("text frame is not valid JSON") from None
    if not isinstance(value, dict):
        raise ProtocolError("text frame is not a JSON object")
    return value


def to_json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def require_str(obj: Mapping[str, Any], key: str, where: str, *, empty: bool = False) -> str:
    """`obj[key]` as a string, or a `ProtocolError` naming what is missing and where."""
    value = obj.get(key)
    if not isinstance(value, str) or (not empty and not value):
        raise ProtocolError(f"{where} needs a {'' if empty else 'non-empty '}string {key!r}")
    return value


def require_object(obj: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = obj.get(key)
    if not isinstance(value, dict):
        raise ProtocolError(f"{where} needs an object {key!r}")
    return value


def require_dtmf(digit: str) -> str:
    if digit not in DTMF_DIGITS:
        raise ProtocolError(f"dtmf digit must be one of 0-9 * # A-D, got {digit[:8]!r}")
    return digit


def require_whole_frames(pcm16: bytes, frame_bytes: int) -> None:
    """Outbound audio must be paced in whole frames; anything else is our own bug."""
    if not pcm16 or len(pcm16) % frame_bytes:
        raise ValueError(f"send whole {frame_bytes}-byte frames, got {len(pcm16)} bytes")
