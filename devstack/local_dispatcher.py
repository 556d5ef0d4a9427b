"""The local stand-in for the dispatcher Lambda and the phone network.

It consumes the dispatch queue the trigger API writes to, "dials" the number on a simulated
phone network where each number has a scripted driver, and runs the answered call through
the real conversation path. Numbers with no script do not answer.

With a `MediaLine` the calls are voice calls: dialing issues the call's media token and the
scripted driver talks to the media server over audio, in real time; those calls run side
by side, as they would on a phone network. Without one, calls are played as text.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field

from shared.calls.lifecycle import CallParty
from shared.domain.call import CallStatus, Direction, Outcome
from shared.domain.trip import Driver
from shared.observability.logging import get_logger
from shared.queue.local import RedisDispatchQueue
from shared.queue.messages import DispatchMessage

from .eval.scenario import DriverLine
from .media_link import MediaLine
from .stack import LocalStack
from .text_calls import TextCallResult, run_text_call
from .voice_calls import VoiceCallResult, run_voice_call

_log = get_logger(__name__)


@dataclass
class SimulatedPhones:
    """Who answers which number, and what they will say."""

    scripts: dict[str, list[DriverLine]] = field(default_factory=dict)

    def register(self, phone: str, lines: list[str]) -> None:
        self.scripts[phone] = [DriverLine.parse(line) for line in lines]

    def answer(self, phone: str) -> list[DriverLine] | None:
        return self.scripts.get(phone)


@dataclass
class LocalDispatcher:
    stack: LocalStack
    queue: RedisDispatchQueue
    phones: SimulatedPhones
    media: MediaLine | None = None
    finished: dict[str, TextCallResult | VoiceCallResult] = field(default_factory=dict)
    unanswered: set[str] = field(default_factory=set)
    _done: asyncio.Condition = field(default_factory=asyncio.Condition)
    _live: set[asyncio.Task[None]] = field(default_factory=set)

    async def run(self) -> None:
        """Consume the queue until cancelled (voice calls still on the line are hung up)."""
        try:
            while True:
                for message in await self.queue.receive(max_messages=10, wait_seconds=0.2):
                    await self._safely(self._handle(message), message.call_id)
        finally:
            for task in self._live:
                task.cancel()

    async def _safely(self, work: Awaitable[None], call_id: str) -> None:
        try:
            await work
        except Exception:
            _log.exception("dispatch_failed", call_id=call_id)
            await self.stack.audit.calls.set_status(call_id, CallStatus.FAILED)
            self.unanswered.add(call_id)
            await self._notify()

    async def wait_for(
        self, call_id: str, within_seconds: float = 30.0
    ) -> TextCallResult | VoiceCallResult | None:
        """Wait until `call_id` has been played (None if it was not answered or failed)."""

        async def settled() -> None:
            async with self._done:
                await self._done.wait_for(
                    lambda: call_id in self.finished or call_id in self.unanswered
                )

        await asyncio.wait_for(settled(), within_seconds)
        return self.finished.get(call_id)

    async def _handle(self, message: DispatchMessage) -> None:
        call = await self.stack.audit.calls.get(message.call_id)
        if call is None or CallStatus(call.status).is_final:
            return
        await self.stack.audit.calls.set_status(call.id, CallStatus.DIALING)
        script = self.phones.answer(call.phone)
        if script is None:
            await self.stack.audit.attempts.start(call.id, message.attempt)
            await self.stack.audit.attempts.finish(call.id, message.attempt, "no_answer")
            await self.stack.audit.calls.finish(
                call.id,
                CallStatus.UNREACHABLE,
                Outcome.UNREACHABLE,
                "no contestó",
                None,
                None,
                None,
            )
            self.unanswered.add(str(call.id))
            await self._notify()
            return
        driver = await self.stack.audit.drivers.get(call.driver_id)
        party = CallParty(
            driver or Driver(driver_id=call.driver_id, name="operador", phone=call.phone),
            Direction.OUTBOUND,
        )
        if self.media is not None:
            task = asyncio.create_task(
                self._safely(self._voice(message, party, call.trip_id, script), message.call_id)
            )
            self._live.add(task)
            task.add_done_callback(self._live.discard)
            return
        result = await run_text_call(
            self.stack,
            str(call.id),
            party,
            call.trip_id,
            script,
            self.stack.wall_clock(),
            attempt_no=message.attempt,
        )
        self.finished[str(call.id)] = result
        await self._notify()

    async def _voice(
        self,
        message: DispatchMessage,
        party: CallParty,
        trip_id: str | None,
        script: list[DriverLine],
    ) -> None:
        assert self.media is not None
        line = self.media
        result = await run_voice_call(
            self.stack,
            line.urls,
            line.channels,
            message.call_id,
            party,
            trip_id,
            script,
            self.stack.wall_clock(),
            attempt_no=message.attempt,
        )
        self.finished[message.call_id] = result
        await self._notify()

    async def _notify(self) -> None:
        async with self._done:
            self._done.notify_all()


@contextlib.asynccontextmanager
async def running(dispatcher: LocalDispatcher) -> AsyncIterator[LocalDispatcher]:
    task = asyncio.create_task(dispatcher.run())
    try:
        yield dispatcher
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
