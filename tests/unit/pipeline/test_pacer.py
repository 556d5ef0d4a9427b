"""Karla's frames leave on a 20 ms grid: no drift, no burst after a stall, counted per sentence."""

from __future__ import annotations

import asyncio

import pytest

from media_server.pipeline.pacer import Pacer

FRAME = b"\x01\x00" * 160


class FakeClock:
    """Time moves only when the pacer sleeps, by what it asked plus a scheduling jitter."""

    def __init__(self, jitter: float = 0.0) -> None:
        self.now = 100.0
        self.jitter = jitter
        self.sent_at: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + self.jitter
        await asyncio.sleep(0)


async def run_until_idle(pacer: Pacer) -> None:
    task = asyncio.create_task(pacer.run())
    await pacer.wait_idle()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def paced(clock: FakeClock, lead_frames: int = 0) -> Pacer:
    async def send(frame: bytes) -> None:
        clock.sent_at.append(clock.now)

    return Pacer(send, clock=clock, sleep=clock.sleep, lead_frames=lead_frames)


async def test_frames_leave_on_a_20_ms_grid_from_the_first_one():
    clock = FakeClock()
    pacer = paced(clock)
    segment = pacer.begin(0)
    for _ in range(50):
        pacer.push(segment, FRAME)
    await run_until_idle(pacer)
    offsets = [round(t - clock.sent_at[0], 6) for t in clock.sent_at]
    assert offsets == [round(n * 0.02, 6) for n in range(50)]
    assert pacer.frames_sent == 50 and segment.sent == 50


async def test_sleep_jitter_does_not_accumulate_into_drift():
    clock = FakeClock(jitter=0.003)  # every wake-up 3 ms late
    pacer = paced(clock)
    segment = pacer.begin(0)
    for _ in range(500):
        pacer.push(segment, FRAME)
    await run_until_idle(pacer)
    last = clock.sent_at[-1] - clock.sent_at[0]
    assert abs(last - 499 * 0.02) <= 0.004  # one wake-up's jitter, not 499 of them


async def test_a_lead_sends_the_first_frames_at_once():
    clock = FakeClock()
    pacer = paced(clock, lead_frames=2)
    segment = pacer.begin(0)
    for _ in range(5):
        pacer.push(segment, FRAME)
    await run_until_idle(pacer)
    offsets = [round(t - clock.sent_at[0], 6) for t in clock.sent_at]
    assert offsets == [0.0, 0.0, 0.0, 0.02, 0.04]


async def test_after_a_stall_the_grid_restarts_instead_of_bursting():
    clock = FakeClock()
    stalled = False

    async def send(frame: bytes) -> None:
        nonlocal stalled
        clock.sent_at.append(clock.now)
        if len(clock.sent_at) == 10 and not stalled:
            stalled = True
            clock.now += 1.0  # the loop was blocked for a second

    pacer = Pacer(send, clock=clock, sleep=clock.sleep, lead_frames=0)
    segment = pacer.begin(0)
    for _ in range(20):
        pacer.push(segment, FRAME)
    await run_until_idle(pacer)
    gaps = [round(b - a, 6) for a, b in zip(clock.sent_at, clock.sent_at[1:], strict=False)]
    assert gaps[10:] == [0.02] * 9  # no catch-up burst of 50 frames


async def test_clear_reports_how_far_the_current_sentence_got():
    clock = FakeClock()
    sent: list[bytes] = []

    async def send(frame: bytes) -> None:
        sent.append(frame)
        if len(sent) == 15:
            current = pacer.clear()
            cleared.append(current)

    cleared = []
    pacer = Pacer(send, clock=clock, sleep=clock.sleep, lead_frames=0)
    first, second = pacer.begin(0), pacer.begin(1)
    for _ in range(10):
        pacer.push(first, FRAME)
    pacer.end(first)
    for _ in range(20):
        pacer.push(second, FRAME)
    pacer.end(second)
    await run_until_idle(pacer)
    assert len(sent) == 15
    (current,) = cleared
    # The 15th frame was on its way when the driver cut in: it counts as played.
    assert (current.label, current.sent, current.queued, current.complete) == (1, 5, 20, True)
