"""A simulated driver on the phone: Karla's media protocol, real-time audio, a fixed script.

It connects exactly as the RingCentral media bridge does (a WebSocket to `/media`, a start
message with the call's media token) and keeps sending 20 ms PCM16 frames on a real-time
grid for the whole call: faint line noise while it is quiet, a synthetic voice whose length
follows the text while it speaks. Turn timing comes from the audio alone:
- a line is said once Karla has finished her turn: her mark came back, or ~400 ms passed
  without one of her frames;
- a barge-in line is said WHILE she speaks, 300 ms after her audio starts;
- "[silencio]" stays quiet until Karla speaks again (she re-prompts), then waits her out;
- after the script, quiet until Karla hangs up.
The offline STT cannot hear; just before each utterance the driver tells it the words
through its `SimulatorTranscriptChannel` (the clearly named test channel), and the STT
hands them out when the server's VAD cuts that utterance.

If the socket drops without a hang-up and more URLs are given, it reconnects with the same
token (as the bridge does after a media-server restart) and carries on with the script.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from media_server.audio import FRAME_MS, PCM16_FRAME_BYTES, SAMPLE_RATE
from media_server.providers.stt.offline import SimulatorTranscriptChannel
from media_server.providers.tts.offline import synthetic_voice

from .eval.scenario import DriverLine, LineKind

FRAME_SECONDS = FRAME_MS / 1000
SECONDS_PER_CHARACTER = 0.06  # how fast the simulated driver talks, unless told otherwise


def voice_frames(text: str, seconds_per_character: float) -> list[bytes]:
    """A synthetic utterance of `text` as 20 ms frames (at least 400 ms of voice)."""
    pcm = synthetic_voice(max(0.4, len(text) * seconds_per_character), SAMPLE_RATE, 0.3)
    pcm += b"\x00" * (-len(pcm) % PCM16_FRAME_BYTES)
    return [pcm[i : i + PCM16_FRAME_BYTES] for i in range(0, len(pcm), PCM16_FRAME_BYTES)]


def line_noise(frames: int = 50, seed: int = 7) -> list[bytes]:
    """Faint hiss (about -65 dBFS), under the VAD's energy floor: a quiet cab, not silence."""
    noise = np.random.default_rng(seed).normal(0.0, 18.0, frames * PCM16_FRAME_BYTES // 2)
    pcm = noise.astype("<i2").tobytes()
    return [pcm[i : i + PCM16_FRAME_BYTES] for i in range(0, len(pcm), PCM16_FRAME_BYTES)]


@dataclass
class Recording:
    """What Karla sent, as the driver's phone got it."""

    turns: list[int] = field(default_factory=list)  # her frames per turn, in order
    frames: int = 0
    clears: int = 0
    marks: list[str] = field(default_factory=list)
    hangup: str | None = None
    reconnects: int = 0
    close_code: int | None = None
    close_reason: str = ""


@dataclass
class CallPlace:
    """Where and as whom the driver's phone connects."""

    urls: Sequence[str]
    media_token: str
    carrier_call_id: str
    phone: str


class AudioDriver:
    def __init__(
        self,
        place: CallPlace,
        lines: Sequence[DriverLine],
        channel: SimulatorTranscriptChannel,
        *,
        seconds_per_character: float | None = None,
        barge_in_after: float = 0.3,
        karla_done_after: float = 0.4,
        on_karla_turn: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self._place = place
        self._lines = list(lines)
        self._channel = channel
        self._rate = seconds_per_character or SECONDS_PER_CHARACTER
        self._barge_in_after = barge_in_after
        self._done_after = karla_done_after
        self._on_karla_turn = on_karla_turn
        self.recording = Recording()
        self._mouth: list[bytes] = []  # frames still to say
        self._said = asyncio.Event()  # the mouth has emptied
        self._noise = line_noise()
        self._karla_speaking = False
        self._karla_last_frame = 0.0
        self._karla_started = asyncio.Event()
        self._changed = asyncio.Condition()
        self._connected = asyncio.Event()
        self._over = asyncio.Event()

    async def run(self) -> Recording:
        script = asyncio.create_task(self._script())
        try:
            for url in self._place.urls:
                await self._connection(url)
                if self._over.is_set():
                    break
                self.recording.reconnects += 1
        finally:
            script.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await script
        return self.recording

    async def _connection(self, url: str) -> None:
        async with connect(url, compression=None) as ws:
            await ws.send(json.dumps(self._start_message()))
            self._connected.set()
            mouth = asyncio.create_task(self._speak_forever(ws))
            ears = asyncio.create_task(self._karla_done_watch())
            try:
                await self._listen(ws)
            finally:
                self._connected.clear()
                for task in (mouth, ears):
                    task.cancel()
                await asyncio.gather(mouth, ears, return_exceptions=True)
            self.recording.close_code = ws.close_code
            self.recording.close_reason = ws.close_reason or ""
            if ws.close_code == 1000 or self.recording.hangup is not None:
                self._over.set()

    def _start_message(self) -> dict[str, object]:
        return {
            "type": "start",
            "v": 1,
            "media_token": self._place.media_token,
            "call_id": self._place.carrier_call_id,
            "from": "+525500000000",
            "to": self._place.phone,
            "direction": "outbound",
        }

    async def _listen(self, ws: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in ws:
                if isinstance(message, bytes):
                    await self._karla_frame()
                    continue
                control = json.loads(message)
                if control["type"] == "mark":
                    self.recording.marks.append(control["name"])
                    await ws.send(json.dumps({"type": "mark", "name": control["name"]}))
                    await self._karla_finished()
                elif control["type"] == "clear":
                    self.recording.clears += 1
                    await self._karla_finished()
                elif control["type"] == "hangup":
                    self.recording.hangup = control.get("reason", "")

    async def _karla_frame(self) -> None:
        self.recording.frames += 1
        self._karla_last_frame = time.monotonic()
        if not self._karla_speaking:
            self._karla_speaking = True
            self.recording.turns.append(0)
            self._karla_started.set()
        self.recording.turns[-1] += 1

    async def _karla_finished(self) -> None:
        if self._karla_speaking:
            self._karla_speaking = False
            self._karla_started.clear()
            async with self._changed:
                self._changed.notify_all()

    async def _karla_done_watch(self) -> None:
        """No frame for `karla_done_after`: she has finished (if no mark said so first)."""
        while True:
            await asyncio.sleep(FRAME_SECONDS)
            quiet = time.monotonic() - self._karla_last_frame
            if self._karla_speaking and quiet >= self._done_after:
                await self._karla_finished()

    async def _speak_forever(self, ws: ClientConnection) -> None:
        """One frame every 20 ms on a monotonic grid: the utterance, else line noise."""
        start, sent = time.monotonic(), 0
        while True:
            if self._mouth:
                frame = self._mouth.pop(0)
                if not self._mouth:
                    self._said.set()
            else:
                frame = self._noise[sent % len(self._noise)]
            await ws.send(frame)
            sent += 1
            await asyncio.sleep(max(0.0, start + sent * FRAME_SECONDS - time.monotonic()))

    async def _say(self, text: str) -> None:
        await self._connected.wait()
        self._channel.will_say(text)
        self._said.clear()
        self._mouth = voice_frames(text, self._rate)
        await self._said.wait()

    async def _wait_for_karla_turn(self, begun_before: int) -> None:
        """Until Karla has finished a turn she began after the first `begun_before`."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._finished() > begun_before)
        if self._on_karla_turn is not None:
            await self._on_karla_turn(self._finished())

    def _finished(self) -> int:
        return len(self.recording.turns) - (1 if self._karla_speaking else 0)

    async def _script(self) -> None:
        heard = 0  # Karla's turns begun when the driver last spoke: he answers the next one
        for index, line in enumerate(self._lines):
            if line.kind is LineKind.BARGE_IN:
                await self._karla_started.wait()
                await asyncio.sleep(self._barge_in_after)
            elif index > 0 or self._finished() > 0:
                await self._wait_for_karla_turn(heard)
            if line.kind is not LineKind.SILENCE:
                await self._say(line.text)
            heard = len(self.recording.turns)
