"""A simulated driver on the phone: real-time audio over a media wire, a fixed script.

It connects exactly as the RingCentral media bridge does (a WebSocket to `/media`, a start
message with the call's media token; or as a Twilio stream or the browser page, see
`phone_wires`) and keeps sending 20 ms PCM16 frames on a real-time grid for the whole call:
faint line noise while it is quiet, a synthetic voice whose length follows the text while
it speaks. Turn timing comes from the audio alone:
- a line is said once Karla has finished her turn: her mark came back, or ~400 ms passed
  without one of her frames;
- a barge-in line is said WHILE she speaks, 300 ms after her audio starts;
- "[silencio]" stays quiet until Karla speaks again (she re-prompts), then waits her out;
- "..." inside a line is a pause mid-answer ("Fue el... sábado"): each part is its own
  stretch of voice, with `pause_seconds` of line noise between them;
- an `Overlap` is something on the line while she speaks that is NOT the driver taking
  the turn: a backchannel ("ajá"), a noise (a horn, a truck going by, a cough) or words a
  recogniser hears for a moment and then drops; the next line still answers her turn;
- on a speakerphone her own voice comes back into the microphone, later and quieter;
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
import enum
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from media_server.audio import FRAME_MS, PCM16_FRAME_BYTES, SAMPLE_RATE
from media_server.providers.stt.offline import SimulatorTranscriptChannel
from media_server.providers.tts.offline import synthetic_voice

from .eval.scenario import DriverLine, LineKind
from .phone_wires import Cleared, HangUp, KarlaAudio, KarlaWire, MarkRequest, PhoneWire, StreamStart

FRAME_SECONDS = FRAME_MS / 1000
SECONDS_PER_CHARACTER = 0.06  # how fast the simulated driver talks, unless told otherwise
_PAUSE = re.compile(r"(?:(?<=\.\.\.)|(?<=…))\s+")


def frames_of(pcm16: bytes) -> list[bytes]:
    """`pcm16` as 20 ms frames, the last one padded with silence."""
    pcm16 += b"\x00" * (-len(pcm16) % PCM16_FRAME_BYTES)
    return [pcm16[i : i + PCM16_FRAME_BYTES] for i in range(0, len(pcm16), PCM16_FRAME_BYTES)]


def voice_frames(text: str, seconds_per_character: float) -> list[bytes]:
    """A synthetic utterance of `text` as 20 ms frames (at least 400 ms of voice)."""
    return frames_of(synthetic_voice(max(0.4, len(text) * seconds_per_character), SAMPLE_RATE, 0.3))


def line_noise(frames: int = 50, seed: int = 7) -> list[bytes]:
    """Faint hiss (about -65 dBFS), under the VAD's energy floor: a quiet cab, not silence."""
    noise = np.random.default_rng(seed).normal(0.0, 18.0, frames * PCM16_FRAME_BYTES // 2)
    return frames_of(noise.astype("<i2").tobytes())


class Noise(enum.Enum):
    """Sounds with no words in them, loud enough for a VAD to call them speech."""

    HORN = "horn"  # a truck's two-tone horn, 0.8 s
    ROAD = "road"  # a truck going by: 1.2 s of loud rumble
    COUGH = "cough"


def noise_frames(kind: Noise, seed: int = 3) -> list[bytes]:
    rng = np.random.default_rng(seed)
    if kind is Noise.HORN:
        t = np.arange(round(0.8 * SAMPLE_RATE)) / SAMPLE_RATE
        signal = sum(np.sin(2 * np.pi * f * k * t) / k for f in (392.0, 494.0) for k in (1, 2, 3))
        level = 0.4
    elif kind is Noise.ROAD:
        walk = np.cumsum(rng.standard_normal(round(1.2 * SAMPLE_RATE)))
        signal = walk - np.convolve(walk, np.ones(200) / 200, "same")  # rumble, no drift
        level = 0.3
    else:
        burst = rng.standard_normal(round(0.35 * SAMPLE_RATE))
        signal = burst * np.exp(-np.arange(len(burst)) / SAMPLE_RATE / 0.08)
        level = 0.5
    pcm = np.asarray(signal) / np.max(np.abs(signal)) * level * 32767
    return frames_of(pcm.astype("<i2").tobytes())


@dataclass(frozen=True)
class Overlap:
    """What the driver's line carries while Karla speaks, without taking the turn.

    Exactly one of: `backchannel` words ("Ajá."), a `noise`, or `misheard` words that the
    recogniser reports for a moment and then drops (a false interruption).
    """

    backchannel: str = ""
    noise: Noise | None = None
    misheard: str = ""


ScriptItem = DriverLine | Overlap


@dataclass
class Recording:
    """What Karla sent, as the driver's phone got it."""

    turns: list[int] = field(default_factory=list)  # her frames per turn, in order
    audio: list[bytearray] = field(default_factory=list)  # her voice per turn, PCM16 8 kHz
    started_at: list[float] = field(default_factory=list)  # monotonic time of each turn's start
    frames: int = 0
    clears: int = 0
    marks: list[str] = field(default_factory=list)
    hangup: str | None = None
    reconnects: int = 0
    closes: list[tuple[int | None, str]] = field(default_factory=list)  # each socket's end


@dataclass
class CallPlace:
    """Where and as whom the driver's phone connects."""

    urls: Sequence[str]
    media_token: str
    carrier_call_id: str
    phone: str


@dataclass(frozen=True)
class Speakerphone:
    """Karla's voice comes back `delay_seconds` later and `loss_db` quieter."""

    delay_seconds: float = 0.12
    loss_db: float = 10.0


class AudioDriver:
    def __init__(
        self,
        place: CallPlace,
        lines: Sequence[ScriptItem],
        channel: SimulatorTranscriptChannel,
        *,
        wire: PhoneWire | None = None,
        seconds_per_character: float | None = None,
        barge_in_after: float = 0.3,
        karla_done_after: float = 0.4,
        pause_seconds: float = 1.0,
        speakerphone: Speakerphone | None = None,
        on_karla_turn: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self._place = place
        self._lines = list(lines)
        self._channel = channel
        self._wire = wire or KarlaWire()
        self._rate = seconds_per_character or SECONDS_PER_CHARACTER
        self._barge_in_after = barge_in_after
        self._done_after = karla_done_after
        self._pause = pause_seconds
        self._speakerphone = speakerphone
        self._echo: deque[tuple[float, np.ndarray]] = deque()  # (due, her frame, quieter)
        self._on_karla_turn = on_karla_turn
        self.recording = Recording()
        self._mouth: deque[bytes] = deque()  # frames still to say
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
            place = self._place
            start = StreamStart(place.media_token, place.carrier_call_id, place.phone)
            for message in self._wire.start(start):
                await ws.send(message)
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
            self.recording.closes.append((ws.close_code, ws.close_reason or ""))
            if ws.close_code == 1000 or self.recording.hangup is not None:
                self._over.set()

    async def _listen(self, ws: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in ws:
                for heard in self._wire.heard(message):
                    if isinstance(heard, KarlaAudio):
                        self._karla_frame(heard.pcm16)
                    elif isinstance(heard, MarkRequest):
                        self.recording.marks.append(heard.name)
                        await ws.send(self._wire.mark_played(heard.name))
                        await self._karla_finished()
                    elif isinstance(heard, Cleared):
                        self.recording.clears += 1
                        await self._karla_finished()
                    elif isinstance(heard, HangUp):
                        self.recording.hangup = heard.reason

    def _karla_frame(self, pcm16: bytes) -> None:
        now = time.monotonic()
        self.recording.frames += 1
        self._karla_last_frame = now
        if not self._karla_speaking:
            self._karla_speaking = True
            self.recording.turns.append(0)
            self.recording.audio.append(bytearray())
            self.recording.started_at.append(now)
            self._karla_started.set()
        self.recording.turns[-1] += 1
        self.recording.audio[-1] += pcm16
        if self._speakerphone is not None:
            gain = 10 ** (-self._speakerphone.loss_db / 20)
            back = np.frombuffer(pcm16, dtype="<i2").astype(np.float64) * gain
            self._echo.append((now + self._speakerphone.delay_seconds, back))

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
        """One frame every 20 ms on a monotonic grid: the utterance, else line noise, plus
        Karla's echo on a speakerphone."""
        start, sent = time.monotonic(), 0
        while True:
            if self._mouth:
                frame = self._mouth.popleft()
                if not self._mouth:
                    self._said.set()
            else:
                frame = self._noise[sent % len(self._noise)]
            for message in self._wire.audio(self._with_echo(frame)):
                await ws.send(message)
            sent += 1
            await asyncio.sleep(max(0.0, start + sent * FRAME_SECONDS - time.monotonic()))

    def _with_echo(self, frame: bytes) -> bytes:
        if not self._echo or self._echo[0][0] > time.monotonic():
            return frame
        _, back = self._echo.popleft()
        mixed = np.clip(np.frombuffer(frame, dtype="<i2") + back, -32768, 32767)
        return bytes(mixed.astype("<i2").tobytes())

    async def _play(self, frames: list[bytes]) -> None:
        await self._connected.wait()
        self._said.clear()
        self._mouth = deque(frames)
        await self._said.wait()

    async def _say(self, text: str) -> None:
        """One line, with a pause at each "..." inside it."""
        for index, part in enumerate(_PAUSE.split(text)):
            if index:
                await asyncio.sleep(self._pause)
            await self._connected.wait()
            self._channel.will_say(part)
            await self._play(voice_frames(part, self._rate))

    async def _overlap(self, overlap: Overlap) -> None:
        if overlap.noise is not None:
            await self._play(noise_frames(overlap.noise))
            return
        text = overlap.backchannel or overlap.misheard
        await self._connected.wait()
        if overlap.backchannel:
            self._channel.will_say(text)
        else:
            self._channel.will_mishear(text)
        await self._play(voice_frames(text, self._rate))

    async def _wait_for_karla(self, done: Callable[[], bool]) -> None:
        """Until `done()` holds of what Karla has said; then tell `on_karla_turn`."""
        async with self._changed:
            await self._changed.wait_for(done)
        if self._on_karla_turn is not None:
            await self._on_karla_turn(self._finished())

    def _finished(self) -> int:
        return len(self.recording.turns) - (1 if self._karla_speaking else 0)

    def _finished_beyond(self, turns: int) -> bool:
        return self._finished() > turns

    def _played_in_full_beyond(self, marks: int) -> bool:
        return len(self.recording.marks) > marks

    async def _script(self) -> None:
        heard = 0  # Karla's turns begun when the driver last spoke: he answers the next one
        marks = 0  # her turns played in full by then
        spoken = 0
        overlapped = False
        for line in self._lines:
            if isinstance(line, Overlap) or line.kind is LineKind.BARGE_IN:
                await self._karla_started.wait()
                await asyncio.sleep(self._barge_in_after)
            elif overlapped:  # he let her go on: he answers once she has said it all
                await self._wait_for_karla(partial(self._played_in_full_beyond, marks))
            elif spoken or self._finished() > 0:
                await self._wait_for_karla(partial(self._finished_beyond, heard))
            overlapped = isinstance(line, Overlap)
            if isinstance(line, Overlap):
                await self._overlap(line)
                continue
            if line.kind is not LineKind.SILENCE:
                await self._say(line.text)
            heard, marks = len(self.recording.turns), len(self.recording.marks)
            spoken += 1
