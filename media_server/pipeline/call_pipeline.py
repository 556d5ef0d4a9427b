"""One call's task tree: transport in -> listener -> turns -> agent -> speaker -> pacer -> out.

Four tasks per call, all cancelled together when the call ends: the transport reader
(inbound frames into the listener), the transcript reader (STT results into the listener),
the pacer (Karla's frames out at real-time rate) and the conversation worker, which takes
the driver's turns one at a time, streams Karla's reply sentence by sentence to the
speaker, and records what the driver heard. A failure ends this call only.

After a barge-in, the cut is committed to the conversation only when the driver's turn
turns out to hold real words; if it was a false interruption after all (no words, or only
a backchannel), Karla says the cut sentence again and goes on, instead of leaving the line
silent. A dropped socket leaves the session as it is (saved after every turn): the
telephony's reconnect, to any instance, resumes the call where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from media_server.providers.errors import SttError
from media_server.providers.stt.base import SttProvider, SttStream
from media_server.providers.tts.base import TtsProvider
from media_server.transports.base import Audio, Event, MediaCodec, Message, Stop
from shared.domain.fsm import CallState
from shared.domain.session import CallSession, Usage
from shared.observability.logging import get_logger
from shared.observability.metrics import BARGE_INS, VOICE_TO_VOICE

from .barge_in import BargeInPolicy, is_backchannel
from .conversation import Conversation, KarlaTurn, OnSentence
from .echo import EchoGuard
from .listener import DriverTurn, Heard, Listener
from .pacer import Pacer
from .speaker import Playback, Speaker
from .turns import TurnManager

_log = get_logger(__name__)
RESUME_AFTER_CUT_MS = 1200  # a cut followed by no words this long: Karla picks up again
TRANSFER_GRACE_SECONDS = 5.0  # the far end's stop after a warm transfer, before we close


class CallEnd(enum.Enum):
    KARLA_HUNG_UP = "karla_hung_up"
    TRANSFERRED = "transferred"
    DRIVER_HUNG_UP = "driver_hung_up"
    DROPPED = "dropped"  # the socket went away without a stop: the call may resume
    FAILED = "failed"

    @property
    def final(self) -> bool:
        return self in (CallEnd.KARLA_HUNG_UP, CallEnd.TRANSFERRED, CallEnd.DRIVER_HUNG_UP)


@dataclass(frozen=True)
class CallLink:
    """The telephony side of one call, after its start message."""

    codec: MediaCodec
    events: AsyncIterator[Event]
    send: Callable[[Message], Awaitable[None]]


class CallPipeline:
    def __init__(
        self,
        link: CallLink,
        *,
        conversation: Callable[[OnSentence], Conversation],
        stt: SttProvider,
        tts: TtsProvider,
        clock: Callable[[], dt.datetime],
        silence_timeout_ms: int,
        finish: Callable[[CallSession], Awaitable[None]] | None = None,
    ) -> None:
        self._link = link
        self._stt = stt
        self._clock = clock
        self._finish = finish
        self._pacer = Pacer(self._send_frame)
        self.speaker = Speaker(tts, self._pacer, self._clear)
        self.conversation = conversation(self.speaker.say)
        self._turns = TurnManager(silence_timeout_ms=silence_timeout_ms)
        self._overlap = BargeInPolicy()
        self._echo = EchoGuard()
        self._heard: asyncio.Queue[Heard] = asyncio.Queue()
        self._stt_billed = 0.0
        self._marks = 0
        self._stream: SttStream | None = None

    async def run(self) -> CallEnd:
        try:
            self._stream = stream = await self._stt.open()
        except SttError:
            _log.exception("stt_open_failed", call_id=self.conversation.call_id)
            return CallEnd.FAILED
        listener = Listener(
            stream,
            self.speaker,
            on_heard=self._heard.put_nowait,
            on_barge_in=self._barge_in,
            turns=self._turns,
            barge_in=self._overlap,
            echo=self._echo,
        )
        tasks = {
            asyncio.create_task(self._read(listener)): "reader",
            asyncio.create_task(self._transcripts(stream, listener)): "transcripts",
            asyncio.create_task(self._pacer.run()): "pacer",
            asyncio.create_task(self._converse()): "conversation",
        }
        end = CallEnd.FAILED
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            result = done.pop().result()
            end = result if isinstance(result, CallEnd) else CallEnd.FAILED
            if end is CallEnd.TRANSFERRED:  # let the far end move the call, then let go
                reader = next(t for t, name in tasks.items() if name == "reader")
                await asyncio.wait({reader}, timeout=TRANSFER_GRACE_SECONDS)
        except Exception:
            _log.exception("call_failed", call_id=self.conversation.call_id)
        finally:
            await _cancel_all(tasks)
            await self.speaker.close()
            with contextlib.suppress(SttError):
                await stream.close()
        if end.final:
            await self._close_call(end)
        return end

    async def _read(self, listener: Listener) -> CallEnd:
        async for event in self._link.events:
            if isinstance(event, Audio):
                await listener.hear(event.pcm16)
            elif isinstance(event, Stop):
                return CallEnd.DRIVER_HUNG_UP
        return CallEnd.DROPPED

    async def _transcripts(self, stream: SttStream, listener: Listener) -> CallEnd:
        async for transcript in stream.transcripts():
            await listener.transcript(transcript)
        raise SttError(self._stt.name, "the transcript stream ended mid-call")

    async def _converse(self) -> CallEnd:
        conversation = self.conversation
        turn, played = await self._reply(conversation.answer, None)
        while turn is None or not turn.ends_call:
            cut = played if played.interrupted else None
            self._turns.listen(RESUME_AFTER_CUT_MS if cut else None)
            heard = await self._heard.get()
            text = heard.text if isinstance(heard, DriverTurn) else ""
            if cut is not None and (not text or is_backchannel(text)):
                _log.info("false_interruption", call_id=conversation.call_id, text=text)
                turn, played = await self._reply(partial(self._repeat, cut.remaining), None)
                continue
            if cut is not None:
                await conversation.interrupted(cut.heard)
            started = self._started_at(heard)
            hear = partial(conversation.hear, text, started_at=started)
            turn, played = await self._reply(hear, heard)
        if played.interrupted:
            await conversation.interrupted(played.heard)
        if (await conversation.session()).state is CallState.TRANSFERRING:
            return CallEnd.TRANSFERRED
        for message in self._link.codec.close("hangup"):
            await self._link.send(message)
        return CallEnd.KARLA_HUNG_UP

    async def _reply(
        self, produce: Callable[[], Awaitable[KarlaTurn | None]], heard: Heard | None
    ) -> tuple[KarlaTurn | None, Playback]:
        """One Karla turn, from the agent's first word to her last frame (or the cut)."""
        self._turns.hold()
        self._overlap.start()
        self.speaker.start_turn()
        turn = await produce()
        played = await self.speaker.finish()
        await self._account(turn, played, heard)
        return turn, played

    async def _repeat(self, sentences: list[str]) -> None:
        for sentence in sentences:
            await self.speaker.say(sentence)

    async def _account(self, turn: KarlaTurn | None, played: Playback, heard: Heard | None) -> None:
        """Usage into the session (first: a process that dies now must not lose what the
        providers will bill), latencies into the histograms and the turn's audit row."""
        await self._bill(played.characters)
        v2v_ms: float | None = None
        if isinstance(heard, DriverTurn) and played.first_frame_at is not None:
            v2v = played.first_frame_at - heard.voice_ended_at
            VOICE_TO_VOICE.observe(v2v)
            v2v_ms = round(v2v * 1000, 3)
        if turn is not None and turn.seq is not None:
            latency = {"voice_to_voice_ms": v2v_ms, "tts_first_byte_ms": played.tts_first_byte_ms}
            if isinstance(heard, DriverTurn):
                latency["stt_ms"] = heard.stt_ms
            await self.conversation.played(turn.seq, latency)
        if played.sentences and not played.interrupted:  # the far end tells us when it played
            self._marks += 1
            for message in self._link.codec.mark(f"karla-{self._marks}"):
                await self._link.send(message)

    async def _bill(self, tts_characters: int = 0) -> None:
        """Usage into the session as it accrues, so a call resumed elsewhere keeps it."""
        heard = self._stream.audio_seconds if self._stream is not None else 0.0
        usage = Usage(stt_audio_seconds=heard - self._stt_billed, tts_characters=tts_characters)
        self._stt_billed = heard
        if usage.stt_audio_seconds or usage.tts_characters:
            await self.conversation.add_usage(usage)

    async def _barge_in(self, text: str) -> None:
        BARGE_INS.inc()
        played = await self.speaker.cut()
        _log.info("barge_in", call_id=self.conversation.call_id, text=text, heard=played.heard)

    async def _send_frame(self, frame: bytes) -> None:
        self.speaker.on_frame_sent(frame)
        self._echo.karla_sent(frame)
        for message in self._link.codec.send_audio(frame):
            await self._link.send(message)

    async def _clear(self) -> None:
        for message in self._link.codec.clear():
            await self._link.send(message)

    def _started_at(self, heard: Heard) -> dt.datetime | None:
        if not isinstance(heard, DriverTurn):
            return None
        return self._clock() - dt.timedelta(milliseconds=self._turns.now_ms - heard.started_ms)

    async def _close_call(self, end: CallEnd) -> None:
        """The call is over: last usage, the FSM's hang-up, and the audit's final record."""
        try:
            await self._bill()
            hung_up = end is CallEnd.DRIVER_HUNG_UP
            conversation = self.conversation
            session = await (conversation.hang_up() if hung_up else conversation.session())
            if self._finish is not None:
                await self._finish(session)
        except Exception:
            _log.exception("call_close_failed", call_id=self.conversation.call_id, end=end.value)


async def _cancel_all(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel until every task is done. A client library that swallows a cancellation
    landing mid-request (seen with Redis) would otherwise leave its task waiting forever."""
    pending = set(tasks)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.1)
