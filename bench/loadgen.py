"""The load generator: N simulated phone callers on the Twilio media-stream protocol.

    python -m bench.loadgen --url ws://127.0.0.1:P/twilio --calls N --ramp-s R --hold-s H
        --start-at T --out result.json
    python -m bench.loadgen --url ... --soak 2000 --lanes 20 --out soak.json

Runs in its own process (the benchmark pins it to the core the bot is not on), so the
callers' work never shares a loop or a core with the bot under test. One asyncio loop
plays every call:

- Each call opens a real WebSocket on loopback, sends `connected` and `start` (streamSid,
  callSid, customParameters.media_token = "loadtest:<n>"), then one 20 ms mu-law frame
  every 20 ms for as long as it lasts, paced by the monotonic clock, as a carrier does:
  silence while waiting and listening, ~1.2 s of voiced frames per utterance, then the
  end-of-utterance sentinel frame, then silence while the bot answers, a pause, the next
  utterance. One ticker sends every call's frames (calls are spread over the 20 ms period,
  so the bot does not see all calls' frames in one burst), straight into each socket's
  write buffer.
- Per turn it measures the time from sending the sentinel to the first bot audio frame
  (added latency) and checks every bot frame arrived in real time (bench.realtime).

Calls start evenly over the ramp, then all N stay live through the measurement window
(the hold); turns whose sentinel falls inside the window are counted. The generator
reports its own loop lag and sending lateness: if those are high the figures measure the
generator, and the result says so.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import heapq
import json
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover (websockets built without its C extension)
    from websockets.utils import apply_mask

from bench.protocol import (
    FRAME_S,
    MULAW_SILENCE,
    SENTINEL_MULAW,
    CallerMessages,
    b64,
    voiced_frames,
)
from bench.realtime import BotTurn
from bench.stats import percentile

VOICED_B64 = [b64(frame) for frame in voiced_frames()]
SILENCE_B64 = b64(MULAW_SILENCE)
SENTINEL_B64 = b64(SENTINEL_MULAW)
_MASKS = random.Random()  # RFC 6455 masks need not be secret for a load generator on loopback
PHASES = 10  # calls are spread over this many 2 ms slots of the 20 ms frame period


@dataclass(frozen=True)
class Script:
    """What every caller says and how long it waits; seconds."""

    first_wait_s: float = 1.0  # after `start`, before speaking (room for a greeting)
    utterance_s: float = 1.2
    utterance_jitter_s: float = 0.2  # +/- per utterance, so calls drift out of step
    pause_s: float = 0.6  # after the bot's reply has played, before speaking again
    reply_s: float = 1.0  # how long each bot reply is (both bots answer with 1 s)
    answer_timeout_s: float = 3.0  # no audio by then: the turn is unanswered
    late_grace_s: float = 1.0  # how long past its due end a reply may still trickle in
    tolerance_s: float = 0.020  # jitter buffer before a frame counts as late


@dataclass
class Tally:
    """Everything the callers observed, for the turns inside the measurement window."""

    window: tuple[float, float] = (0.0, float("inf"))
    latencies_s: list[float] = field(default_factory=list)
    turns: int = 0
    unanswered: int = 0
    frames: int = 0
    late_frames: int = 0
    dropped_frames: int = 0
    worst_underrun_s: float = 0.0
    max_gaps_s: list[float] = field(default_factory=list)
    stray_frames: int = 0  # bot audio while no turn was waiting for it
    marks: int = 0
    clears: int = 0
    connected: int = 0
    failed: int = 0
    completed_calls: int = 0
    errors: list[str] = field(default_factory=list)

    def add_turn(self, turn: BotTurn) -> None:
        if not self.window[0] <= turn.eou_at < self.window[1]:
            return
        self.turns += 1
        self.frames += turn.frames
        self.late_frames += turn.late_frames
        self.dropped_frames += turn.dropped_frames()
        self.worst_underrun_s = max(self.worst_underrun_s, turn.worst_underrun_s)
        if turn.latency_s is None:
            self.unanswered += 1
        else:
            self.latencies_s.append(turn.latency_s)
            self.max_gaps_s.append(turn.max_gap_s)

    def error(self, text: str) -> None:
        if len(self.errors) < 20:
            self.errors.append(text)


class Call:
    """One caller: a state machine the ticker advances one 20 ms frame at a time."""

    def __init__(
        self,
        index: int,
        url: str,
        script: Script,
        tally: Tally,
        hang_up_at: float,
        max_turns: int | None = None,
    ) -> None:
        self.index = index
        self.url = url
        self.script = script
        self.tally = tally
        self.hang_up_at = hang_up_at
        self.max_turns = max_turns
        self.messages = CallerMessages(index, media_token=f"loadtest:{index}")
        self.rng = random.Random(index)
        self.wire: Wire
        self.done = asyncio.Event()
        self.turns_done = 0
        self.turn: BotTurn | None = None
        self._state = "wait"
        self._until = 0.0
        self._voiced_left = 0
        self._voiced_index = 0

    async def open(self) -> bool:
        loop = asyncio.get_running_loop()
        self.wire = Wire(self, parse_uri(self.url), loop.create_future())
        parts = urlsplit(self.url)
        try:
            await asyncio.wait_for(
                loop.create_connection(lambda: self.wire, parts.hostname, parts.port), 10
            )
            await asyncio.wait_for(self.wire.opened, 10)
        except Exception as exc:
            self.tally.failed += 1
            self.tally.error(f"call {self.index} connect: {exc!r}")
            self.wire.abort()
            self.done.set()
            return False
        self._send(self.messages.connected())
        self._send(self.messages.start())
        self.tally.connected += 1
        self._until = time.monotonic() + self.script.first_wait_s
        return True

    def _send(self, text: str) -> bool:
        return self.wire.send_text(text)

    def tick(self, slot: float) -> bool:
        """Send the frame due at `slot`; False once the call has hung up."""
        if self.done.is_set():
            return False
        if slot >= self.hang_up_at or (
            self.max_turns is not None and self.turns_done >= self.max_turns
        ):
            self._finish_turn()
            self._hang_up()
            return False
        payload = SILENCE_B64
        if self._state == "wait" and slot >= self._until:
            jitter = self.rng.uniform(-1, 1) * self.script.utterance_jitter_s
            self._voiced_left = max(1, round((self.script.utterance_s + jitter) / FRAME_S))
            self._state = "speak"
        if self._state == "speak":
            if self._voiced_left:
                payload = VOICED_B64[self._voiced_index % len(VOICED_B64)]
                self._voiced_index += 1
                self._voiced_left -= 1
            else:
                if not self._send(self.messages.media(SENTINEL_B64)):
                    return self._lost()
                self.turn = BotTurn(
                    eou_at=time.monotonic(),
                    expected_audio_s=self.script.reply_s,
                    tolerance_s=self.script.tolerance_s,
                )
                self._state = "listen"
                return True
        elif self._state == "listen":
            self._maybe_end_listening(slot)
        if not self._send(self.messages.media(payload)):
            return self._lost()
        return True

    def _maybe_end_listening(self, slot: float) -> None:
        turn = self.turn
        assert turn is not None
        now = time.monotonic()
        if turn.first_audio_at is None:
            over = now - turn.eou_at >= self.script.answer_timeout_s
        else:
            ends = turn.playout_ends_at()
            assert ends is not None
            due_end = turn.first_audio_at + turn.expected_audio_s
            over = (turn.complete() and now >= ends) or now >= due_end + self.script.late_grace_s
        if over:
            self._finish_turn()
            self._state = "wait"
            self._until = slot + self.script.pause_s

    def _finish_turn(self) -> None:
        if self.turn is not None:
            self.tally.add_turn(self.turn)
            self.turns_done += 1
            self.turn = None

    def _lost(self) -> bool:
        self.tally.error(f"call {self.index}: connection closed by the bot")
        self._finish_turn()
        self.done.set()
        return False

    def _hang_up(self) -> None:
        self._send(self.messages.stop())
        self.tally.completed_calls += 1
        self.wire.close()
        self.done.set()

    def on_closed(self) -> None:
        if not self.done.is_set():
            self.tally.error(f"call {self.index}: connection closed by the bot")
            self._finish_turn()
            self.done.set()

    def on_message(self, at: float, message: bytes) -> None:
        event = json.loads(message)
        kind = event.get("event")
        if kind == "media":
            payload = event["media"]["payload"]
            turn = self.turn
            if turn is None or self._state != "listen":
                if payload != SILENCE_B64:
                    self.tally.stray_frames += 1
                return
            if turn.first_audio_at is None and payload == SILENCE_B64:
                return  # a bot streaming silence has not started answering yet
            turn.on_audio(at, len(payload) * 3 // 4 - payload.count("=", -2))
        elif kind == "mark":
            self.tally.marks += 1
        elif kind == "clear":
            self.tally.clears += 1


class Wire(asyncio.Protocol):
    """One call's WebSocket, sans-I/O (websockets' ClientProtocol) on a raw asyncio transport.

    Frames are handled in `data_received`, stamped with the time their bytes arrived, with no
    task switch per message: the generator must stay much cheaper than the bots it drives.
    """

    def __init__(self, call: Call, uri: Any, opened: asyncio.Future[None]) -> None:
        self.call = call
        self.protocol = ClientProtocol(uri, max_size=2**20)
        self.opened = opened
        self.closed = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        at = time.monotonic()
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT:
                    self.call.on_message(at, event.data)
            elif isinstance(event, Response) and not self.opened.done():
                if self.protocol.handshake_exc is not None:
                    self.opened.set_exception(self.protocol.handshake_exc)
                else:
                    self.opened.set_result(None)
        self._flush()
        if self.protocol.close_expected() and self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)
        self.call.on_closed()

    def send_text(self, text: str) -> bool:
        """One masked text frame, framed here: the generator's hottest path (50 a second a call).

        Only the close handshake goes through `ClientProtocol`; it keeps no state about the
        data frames a client sends, so writing them straight to the transport is safe.
        """
        if self.transport is None or self.protocol.state is not State.OPEN:
            return False
        payload = text.encode()
        size = len(payload)
        mask = _MASKS.getrandbits(32).to_bytes(4, "little")
        if size < 126:
            header = bytes((0x81, 0x80 | size))
        elif size < 65536:
            header = b"\x81\xfe" + size.to_bytes(2, "big")
        else:
            self.protocol.send_text(payload)
            self._flush()
            return True
        self.transport.write(header + mask + apply_mask(payload, mask))
        return True

    def close(self) -> None:
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(1000)
            self._flush()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def _flush(self) -> None:
        assert self.transport is not None
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                self.transport.write_eof()


class Ticker:
    """Sends every live call's next frame when it is due, spread over the 20 ms period."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Call]] = []
        self.lateness_s: list[float] = []

    def add(self, call: Call, first_at: float) -> None:
        heapq.heappush(self._heap, (first_at, call.index, call))

    async def run(self, until: float) -> None:
        heap = self._heap
        while True:
            now = time.monotonic()
            if now >= until and not heap:
                return
            if heap and heap[0][0] <= now:
                self.lateness_s.append(now - heap[0][0])  # the most overdue frame of the batch
            while heap and heap[0][0] <= now:
                slot, index, call = heapq.heappop(heap)
                if call.tick(slot):
                    heapq.heappush(heap, (slot + FRAME_S, index, call))
            wait = (heap[0][0] - time.monotonic()) if heap else 0.005
            await asyncio.sleep(min(max(wait, 0.0), 0.005))


async def _lag_sampler(samples: list[tuple[float, float]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        asked = time.monotonic()
        await asyncio.sleep(0.010)
        woke = time.monotonic()
        samples.append((woke, max(0.0, woke - asked - 0.010)))


def _slot(call_index: int, at: float) -> float:
    """The first frame time of a call: `at`, moved onto the call's 2 ms phase slot."""
    period_pos = (call_index % PHASES) * FRAME_S / PHASES
    return at - (at % FRAME_S) + period_pos + FRAME_S


async def run_load(args: argparse.Namespace) -> dict[str, Any]:
    script = Script()
    t0 = args.start_at or time.monotonic() + 0.5
    window = (t0 + args.ramp_s, t0 + args.ramp_s + args.hold_s)
    hang_up_at = window[1] + args.tail_s
    tally = Tally(window=window)
    ticker = Ticker()
    lag: list[tuple[float, float]] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(_lag_sampler(lag, stop))
    cpu_before = _own_cpu_s()

    async def start_call(index: int) -> None:
        await asyncio.sleep(max(0.0, t0 + args.ramp_s * index / args.calls - time.monotonic()))
        call = Call(index, args.url, script, tally, hang_up_at)
        if await call.open():
            ticker.add(call, _slot(index, time.monotonic()))

    starters = [asyncio.create_task(start_call(i)) for i in range(args.calls)]
    await ticker.run(until=hang_up_at + 0.1)
    await asyncio.gather(*starters)
    await asyncio.sleep(0.3)  # let the closing handshakes go out
    stop.set()
    await sampler
    in_window = [value for at, value in lag if window[0] <= at <= window[1]]
    return _report(tally, ticker, in_window, cpu_before, extra={"calls": args.calls})


async def run_soak(args: argparse.Namespace) -> dict[str, Any]:
    """`--soak` calls, `--lanes` at a time, each one short turn then a hang-up."""
    script = Script(first_wait_s=0.2, utterance_s=0.3, utterance_jitter_s=0.0)
    tally = Tally()
    ticker = Ticker()
    per_lane = [
        args.soak // args.lanes + (1 if i < args.soak % args.lanes else 0)
        for i in range(args.lanes)
    ]
    started = time.monotonic()
    lag: list[tuple[float, float]] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(_lag_sampler(lag, stop))
    cpu_before = _own_cpu_s()
    counter = iter(range(args.soak))

    async def lane(calls: int) -> None:
        for _ in range(calls):
            index = next(counter)
            call = Call(index, args.url, script, tally, hang_up_at=float("inf"), max_turns=1)
            if await call.open():
                ticker.add(call, _slot(index, time.monotonic()))
                await call.done.wait()
                try:
                    await asyncio.wait_for(call.wire.closed, 10)
                except TimeoutError:
                    call.wire.abort()

    lanes = asyncio.gather(*(lane(n) for n in per_lane))
    ticking = asyncio.create_task(ticker.run(until=float("inf")))
    await lanes
    ticking.cancel()
    stop.set()
    await sampler
    extra = {"calls": args.soak, "lanes": args.lanes, "elapsed_s": time.monotonic() - started}
    return _report(tally, ticker, [value for _, value in lag], cpu_before, extra)


def _report(
    tally: Tally,
    ticker: Ticker,
    lag_s: list[float],
    cpu_before: float,
    extra: dict[str, Any],
) -> dict[str, Any]:
    lag_p99_ms = percentile(lag_s, 0.99) * 1000 if lag_s else 0.0
    send_late_p99_ms = percentile(ticker.lateness_s, 0.99) * 1000 if ticker.lateness_s else 0.0
    return {
        **extra,
        "window": list(tally.window),
        "connected": tally.connected,
        "failed_connects": tally.failed,
        "completed_calls": tally.completed_calls,
        "turns": tally.turns,
        "unanswered_turns": tally.unanswered,
        "latency_ms": [round(s * 1000, 3) for s in tally.latencies_s],
        "bot_frames": tally.frames,
        "late_frames": tally.late_frames,
        "dropped_frames": tally.dropped_frames,
        "stray_frames": tally.stray_frames,
        "worst_underrun_ms": round(tally.worst_underrun_s * 1000, 2),
        "max_gap_ms_p99": round(percentile(tally.max_gaps_s, 0.99) * 1000, 2)
        if tally.max_gaps_s
        else None,
        "marks": tally.marks,
        "clears": tally.clears,
        "errors": tally.errors,
        "loadgen": {
            "loop_lag_p99_ms": round(lag_p99_ms, 2),
            "send_lateness_p99_ms": round(send_late_p99_ms, 2),
            "cpu_s": round(_own_cpu_s() - cpu_before, 2),
            # Past these the generator, not the bot, would be what the figures measure.
            "saturated": lag_p99_ms > 10 or send_late_p99_ms > 10,
        },
    }


def _own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen")
    parser.add_argument("--url", required=True)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--ramp-s", type=float, default=3.0)
    parser.add_argument("--hold-s", type=float, default=10.0)
    parser.add_argument("--tail-s", type=float, default=3.0)
    parser.add_argument("--start-at", type=float, help="time.monotonic() of the first call")
    parser.add_argument("--soak", type=int, help="sequential short calls instead of a load")
    parser.add_argument("--lanes", type=int, default=1, help="soak calls at a time")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    # A cyclic-GC pass over every live call's objects stalls the loop for milliseconds,
    # which would show as bot latency; the run is bounded, so the generator goes without.
    gc.disable()
    result = asyncio.run(run_soak(args) if args.soak else run_load(args))
    text = json.dumps(result)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
