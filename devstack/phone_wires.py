"""The phone's side of each media wire the server speaks, for the simulated driver.

The server's codecs (`media_server/transports`) turn what a carrier sends into events;
these are their mirror images, so one simulated driver can call in as the RingCentral
bridge does (Karla's protocol on `/media`), as a Twilio media stream (`/twilio`) or as the
PoC browser page (`/browser`), and the same call shows the transport interface holds.
Every wire hands the driver Karla's audio as PCM16 8 kHz and takes 20 ms PCM16 8 kHz frames.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Protocol

from media_server.audio import SAMPLE_RATE
from media_server.audio.codec import StreamingResampler, mulaw_to_pcm16, pcm16_to_mulaw

Message = str | bytes


@dataclass(frozen=True)
class StreamStart:
    """Who is calling: what every wire's start message carries."""

    media_token: str
    carrier_call_id: str
    phone: str  # the driver's, E.164


@dataclass(frozen=True)
class KarlaAudio:
    pcm16: bytes


@dataclass(frozen=True)
class MarkRequest:
    name: str  # send it back once everything before it has played


@dataclass(frozen=True)
class Cleared:
    """Drop whatever of Karla's audio is still queued (she was cut off)."""


@dataclass(frozen=True)
class HangUp:
    reason: str


Heard = KarlaAudio | MarkRequest | Cleared | HangUp


class PhoneWire(Protocol):
    path: str  # where this wire's sockets go on the media server

    def start(self, call: StreamStart) -> list[Message]: ...

    def audio(self, pcm16: bytes) -> list[Message]:
        """Messages that carry one 20 ms PCM16 8 kHz frame of the driver's line."""
        ...

    def mark_played(self, name: str) -> Message: ...

    def heard(self, message: Message) -> list[Heard]: ...


class KarlaWire:
    """Karla's own protocol (docs/media-protocol.md), as the RingCentral bridge speaks it."""

    path = "/media"

    def start(self, call: StreamStart) -> list[Message]:
        return [json.dumps(self._start_fields(call) | {"call_id": call.carrier_call_id})]

    def _start_fields(self, call: StreamStart) -> dict[str, object]:
        return {
            "type": "start",
            "v": 1,
            "media_token": call.media_token,
            "from": "+525500000000",
            "to": call.phone,
            "direction": "outbound",
        }

    def audio(self, pcm16: bytes) -> list[Message]:
        return [pcm16]

    def mark_played(self, name: str) -> Message:
        return json.dumps({"type": "mark", "name": name})

    def heard(self, message: Message) -> list[Heard]:
        if isinstance(message, bytes):
            return [KarlaAudio(message)]
        control = json.loads(message)
        kind = control["type"]
        if kind == "mark":
            return [MarkRequest(control["name"])]
        if kind == "clear":
            return [Cleared()]
        if kind == "hangup":
            return [HangUp(control.get("reason", ""))]
        return []  # transfer: the bridge's business, not the driver's


class BrowserWire(KarlaWire):
    """The PoC page: Karla's protocol, with the microphone at the sound card's rate."""

    path = "/browser"

    def __init__(self, sample_rate: int = 48000) -> None:
        self._rate = sample_rate
        self._up = StreamingResampler(SAMPLE_RATE, sample_rate)

    def start(self, call: StreamStart) -> list[Message]:
        return [json.dumps(self._start_fields(call) | {"sample_rate": self._rate})]

    def audio(self, pcm16: bytes) -> list[Message]:
        resampled = self._up.process(pcm16)
        return [resampled] if resampled else []


class TwilioWire:
    """A Twilio bidirectional media stream: JSON events, base64 mu-law, marks and clear."""

    path = "/twilio"
    stream_sid = "MZ-simulated"

    def start(self, call: StreamStart) -> list[Message]:
        start = {
            "streamSid": self.stream_sid,
            "callSid": call.carrier_call_id,
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"media_token": call.media_token},
        }
        return [
            json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}),
            json.dumps({"event": "start", "streamSid": self.stream_sid, "start": start}),
        ]

    def audio(self, pcm16: bytes) -> list[Message]:
        payload = base64.b64encode(pcm16_to_mulaw(pcm16)).decode("ascii")
        media = {"track": "inbound", "payload": payload}
        return [json.dumps({"event": "media", "streamSid": self.stream_sid, "media": media})]

    def mark_played(self, name: str) -> Message:
        return json.dumps({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})

    def heard(self, message: Message) -> list[Heard]:
        event = json.loads(message)
        kind = event["event"]
        if kind == "media":
            return [KarlaAudio(mulaw_to_pcm16(base64.b64decode(event["media"]["payload"])))]
        if kind == "mark":
            return [MarkRequest(event["mark"]["name"])]
        if kind == "clear":
            return [Cleared()]
        return []  # Twilio hangs up when the server closes the stream
