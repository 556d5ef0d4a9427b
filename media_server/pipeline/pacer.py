"""Karla's outbound audio at real-time rate: one 20 ms frame every 20 ms, no drift.

TTS delivers audio faster than real time, in bursts. Sending it as fast as it comes would
park seconds of audio in the carrier's buffer, where a barge-in cannot reach it and where
"what the driver heard" is unknowable. So the pacer holds the audio and lets frames out on
a fixed grid: frame n of a run leaves at `start + (n - lead) * 20 ms`, computed from the
run's start on a monotonic clock rather than by adding up sleeps, so scheduling jitter never
accumulates. A small lead (a few frames ahead) absorbs network jitter at the far end.
If the loop falls far behind (a stall), the grid is re-based instead of bursting to catch
up, because a burst would only fill the far end's buffer again.

Audio is grouped in segments (one per sentence) and the pacer counts the frames of each
that actually left; `clear()` (barge-in) drops what is queued and reports how far the
segment being played had got, which is how the pipeline cuts Karla's message to what the
driver heard.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from media_server.audio import FRAME_MS

Send = Callable[[bytes], Awaitable[None]]


@dataclass
class Segment:
    """One sentence's audio: frames queued so far, frames sent, and whether TTS is done."""

    label: int
    queued: int = 0
    sent: int = 0
    complete: bool = False

    @property
    def played(self) -> bool:
        return self.complete and self.sent >= self.queued


class Pacer:
    def __init__(
        self,
        send: Send,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        frame_seconds: float = FRAME_MS / 1000,
        lead_frames: int = 2,
        max_late_seconds: float = 0.2,
    ) -> None:
        self._send = send
        self._clock = clock
        self._sleep = sleep
        self._frame = frame_seconds
        self._lead = lead_frames * frame_seconds
        self._max_late = max_late_seconds
        self._queue: deque[tuple[Segment, bytes]] = deque()
        self._segments: list[Segment] = []
        self._next: float | None = None  # when the next frame is due on the current grid
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self.frames_sent = 0
        self.playing: Segment | None = None  # the segment of the frame sent last

    @property
    def idle(self) -> bool:
        return not self._queue

    def begin(self, label: int) -> Segment:
        """Open the segment that the following `push` calls belong to."""
        while self._segments and self._segments[0].played:
            self._segments.pop(0)  # a long call must not keep every sentence it ever said
        segment = Segment(label)
        self._segments.append(segment)
        return segment

    def push(self, segment: Segment, frame: bytes) -> None:
        segment.queued += 1
        self._queue.append((segment, frame))
        self._idle.clear()
        self._wake.set()

    def end(self, segment: Segment) -> None:
        """TTS has delivered all of this segment's audio."""
        segment.complete = True

    async def wait_idle(self) -> None:
        """Until every queued frame has been sent (or cleared)."""
        await self._idle.wait()

    def clear(self) -> Segment | None:
        """Drop all queued audio; the first segment not fully played, as far as it got."""
        self._queue.clear()
        self._next = None
        current = next((s for s in self._segments if not s.played), None)
        self._segments.clear()
        self.playing = None
        self._idle.set()
        return current

    async def run(self) -> None:
        """Send frames on the grid until cancelled."""
        while True:
            if not self._queue:
                self._idle.set()
                self._next = None
                self._wake.clear()
                await self._wake.wait()
                continue
            now = self._clock()
            if self._next is None or now - self._next > self._max_late:
                self._next = now  # a new run, or a stall: start a fresh grid
            due = self._next - self._lead
            if due > now:
                await self._sleep(due - now)
                continue  # the queue may have been cleared meanwhile
            segment, frame = self._queue.popleft()
            self._next += self._frame
            self.playing = segment
            await self._send(frame)
            segment.sent += 1
            self.frames_sent += 1
