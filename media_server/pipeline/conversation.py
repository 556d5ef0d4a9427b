"""One call's conversation: driver turns in, Karla turns out, tools run, state saved.

Text at both edges: the media plane puts STT in front and TTS behind, the text runner
feeds a scenario's lines. Nothing is held in memory between turns: the session is read
from Redis, changed, and saved (with its version) after every tool call and every turn,
so any process can take the next turn of any call.

Karla's words stream: `on_sentence` is awaited with each sentence as soon as the chunker
releases it, while the agent is still generating (the media pipeline sends it to TTS), and
the two-sentence cap applies on the way. The media pipeline later completes the turn's
audit row with what only playback knows: the voice-to-voice latency, or the cut.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from shared.domain.call import Speaker
from shared.domain.fsm import CallEvent, CallState, Tool, can_happen, next_state
from shared.domain.session import CallSession, Message, Role, Usage
from shared.observability.metrics import TURNS
from shared.tools.dispatcher import ToolCall

from . import session_edits
from .agent import Agent, EndCall, TextDelta, ToolRequest
from .chunker import SentenceChunker
from .records import CallOver, KarlaTurn, SessionStore, ToolReport, Tools, TurnAudit

__all__ = ["CallOver", "Conversation", "KarlaTurn", "ToolReport", "TurnAudit"]

MAX_AGENT_ROUNDS = 4  # tool round trips within one Karla turn
OnSentence = Callable[[str], Awaitable[None]]


class Conversation:
    def __init__(
        self,
        call_id: str,
        *,
        store: SessionStore,
        agent: Agent,
        dispatcher: Tools,
        turns: TurnAudit,
        clock: Callable[[], dt.datetime],
        max_sentences: int = 2,
        max_driver_turns: int = 30,
        on_sentence: OnSentence | None = None,
    ) -> None:
        self.call_id = call_id
        self._store = store
        self._agent = agent
        self._dispatcher = dispatcher
        self._turns = turns
        self._clock = clock
        self._max_sentences = max_sentences
        self._max_driver_turns = max_driver_turns
        self._on_sentence = on_sentence

    async def session(self) -> CallSession:
        session = await self._store.get(self.call_id)
        if session is None:
            raise CallOver(f"no session for call {self.call_id}")
        return session

    async def answer(self) -> KarlaTurn | None:
        """The driver is on the line. Inbound, Karla speaks first; outbound, she listens.

        On a call resumed by another process, she answers what the one that died left
        unanswered (a driver turn, or a tool result before her reply), and otherwise
        listens: what she said before is never said again.
        """
        session = await self.session()
        if session.state is CallState.DIALING:
            session = await self._save(
                session.model_copy(update={"state": next_state(session.state, CallEvent.ANSWERED)})
            )
        last = session.messages[-1].role if session.messages else None
        opens = last is None and session.direction == "inbound"
        if opens or last in (Role.DRIVER, Role.TOOL):
            return await self._karla_turn(session, self._clock())
        return None

    async def hear(self, text: str, *, started_at: dt.datetime | None = None) -> KarlaTurn:
        """A driver turn ('' is silence); returns Karla's reply."""
        session = await self.session()
        if not session.state.is_live:
            raise CallOver(f"call {self.call_id} is {session.state.value}")
        heard_at = self._clock()
        message = Message(
            role=Role.DRIVER,
            text=text.strip(),
            started_at=started_at or heard_at,
            ended_at=heard_at,
        )
        # Saved before Karla answers: a process that dies mid-reply (even after a tool has
        # written) leaves the turn for the next one to answer, not lost.
        session = await self._save(
            session.model_copy(update={"messages": [*session.messages, message]})
        )
        await self._audit_turn(session, len(session.messages) - 1, message)
        TURNS.labels(speaker=Speaker.DRIVER.value).inc()
        if sum(m.role is Role.DRIVER for m in session.messages) > self._max_driver_turns:
            return await self._hand_over_long_call(session, heard_at)
        return await self._karla_turn(session, heard_at)

    async def _hand_over_long_call(self, session: CallSession, heard_at: dt.datetime) -> KarlaTurn:
        """A call that goes on and on is going nowhere: a person takes it from here."""
        session, report = await self._run_tool(
            session,
            ToolRequest(
                ToolCall(
                    f"guard-{uuid.uuid4().hex[:12]}",
                    Tool.TRANSFERIR_A_HUMANO.value,
                    {"motivo": "fuera_de_guion", "resumen": "la llamada se alargó sin avanzar"},
                )
            ),
        )
        text = "Le comunico con una persona del equipo para terminar de revisarlo."
        message = Message(role=Role.KARLA, text=text, started_at=heard_at, ended_at=self._clock())
        session = session.model_copy(update={"messages": [*session.messages, message]})
        seq = len(session.messages) - 1
        await self._audit_turn(session, seq, message)
        await self._speak([text])
        session = session_edits.end(session, "max_turns")
        await self._save(session)
        return KarlaTurn(text, True, [report], seq=seq)

    async def interrupted(self, heard_text: str) -> None:
        """Barge-in: keep in context (and in the audit) only what the driver heard of
        Karla's last turn."""
        heard = heard_text.strip()
        cut_at: list[int | None] = [None]

        def cut(session: CallSession) -> CallSession:
            session, cut_at[0] = session_edits.cut_last_karla_turn(session, heard)
            return session

        await self._store.update(self.call_id, cut)
        if cut_at[0] is not None:
            await self._turns.amend(self.call_id, cut_at[0], text=heard, interrupted=True)

    async def played(self, seq: int, latency: dict[str, Any]) -> None:
        """Karla's turn `seq` reached the driver: add the latencies playback measured."""
        await self._turns.amend(self.call_id, seq, latency=latency)

    async def add_usage(self, usage: Usage) -> None:
        """Provider usage measured outside the agent (STT audio, TTS characters)."""
        await self._store.update(
            self.call_id, lambda s: s.model_copy(update={"usage": s.usage.add(usage)})
        )

    async def hang_up(self) -> CallSession:
        """The driver (or the line) ended the call."""
        session = await self.session()
        if can_happen(session.state, CallEvent.HANGUP):
            session = await self._save(
                session.model_copy(update={"state": next_state(session.state, CallEvent.HANGUP)})
            )
        return session

    async def _karla_turn(self, session: CallSession, turn_started: dt.datetime) -> KarlaTurn:
        started = time.perf_counter()
        first_text_ms: float | None = None
        chunker = SentenceChunker(self._max_sentences)
        tools: list[ToolReport] = []
        end_reason: str | None = None
        for _ in range(MAX_AGENT_ROUNDS):
            asked_tool = False
            chunker.new_part()
            async for event in self._agent.respond(session):
                if isinstance(event, TextDelta):
                    if first_text_ms is None:
                        first_text_ms = (time.perf_counter() - started) * 1000
                    await self._speak(chunker.feed(event.text))
                elif isinstance(event, ToolRequest):
                    asked_tool = True
                    session, report = await self._run_tool(session, event)
                    tools.append(report)
                elif isinstance(event, EndCall):
                    end_reason = event.reason
                else:
                    session = session_edits.fold(session, event)
            if not asked_tool or session.state is CallState.TRANSFERRING:
                break
        await self._speak(chunker.finish())
        text = chunker.text
        agent_ms = (time.perf_counter() - started) * 1000
        ends_call = end_reason is not None or session.state is CallState.TRANSFERRING
        seq: int | None = None
        if text:
            message = Message(
                role=Role.KARLA, text=text, started_at=turn_started, ended_at=self._clock()
            )
            session = session.model_copy(update={"messages": [*session.messages, message]})
            seq = len(session.messages) - 1
            await self._audit_turn(
                session,
                seq,
                message,
                latency={"agent_ms": round(agent_ms, 3), "first_text_ms": first_text_ms},
            )
            TURNS.labels(speaker=Speaker.KARLA.value).inc()
        if ends_call:
            session = session_edits.end(session, end_reason)
        await self._save(session)
        return KarlaTurn(text, ends_call, tools, agent_ms, first_text_ms, seq)

    async def _speak(self, sentences: list[str]) -> None:
        if self._on_sentence is not None:
            for sentence in sentences:
                await self._on_sentence(sentence)

    async def _run_tool(
        self, session: CallSession, request: ToolRequest
    ) -> tuple[CallSession, ToolReport]:
        call = request.call
        outcome = await self._dispatcher.dispatch(session, call)
        session = outcome.session
        tool_message = Message(
            role=Role.TOOL,
            tool_call_id=call.id or uuid.uuid4().hex,
            tool_name=call.name,
            tool_args=call.arguments,
            tool_result=outcome.result,
            started_at=self._clock(),
        )
        session = session.model_copy(update={"messages": [*session.messages, tool_message]})
        # Saved at once: a crash after the write must not forget that it happened.
        session = await self._save(session)
        return session, ToolReport(call.name, call.arguments, outcome.readiness, outcome.result)

    async def _save(self, session: CallSession) -> CallSession:
        return await self._store.save(session)

    async def _audit_turn(
        self,
        session: CallSession,
        seq: int,
        message: Message,
        latency: dict[str, Any] | None = None,
    ) -> None:
        assert message.started_at is not None
        assert message.ended_at is not None
        speaker = Speaker.KARLA if message.role is Role.KARLA else Speaker.DRIVER
        await self._turns.add(
            session.call_id,
            seq,
            speaker.value,
            message.text,
            message.started_at,
            message.ended_at,
            message.interrupted,
            latency,
        )
