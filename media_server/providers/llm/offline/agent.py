"""OfflineAgent: Karla's dialogue without a language model.

Deterministic and fast (microseconds a turn), so it runs the demo and the scenario suite
with no keys, and takes over a call when the LLM provider fails. It reads the driver's
line with the rules in intents.py and extract.py, decides from the call state and its
memory (memory.py, kept in the session), and speaks lines from phrases.py. The order of
checks in `_decide` is the policy: urgent things (a person, an incident, anger) first,
then silence, then the step the call is in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from media_server.pipeline.agent import AgentEvent, EndCall, StateHint, TextDelta
from shared.domain.fsm import CallEvent, CallState, Tool
from shared.domain.session import CallSession, Message, Role

from . import phrases
from .flows import Turn, collect_trip, transfer, validate_trip
from .intents import Intent, classify
from .memory import DialogueMemory, Draft

MAX_SILENCES = 2


class OfflineAgent:
    name = "offline"

    def __init__(self, company: str = "Transportes del Norte", agent_name: str = "Karla") -> None:
        self._company = company
        self._agent_name = agent_name

    async def respond(self, session: CallSession) -> AsyncIterator[AgentEvent]:
        memory = DialogueMemory.of(session)
        events = self._decide(session, memory)
        for event in events:
            yield event

    def _decide(self, session: CallSession, memory: DialogueMemory) -> list[AgentEvent]:
        last = session.messages[-1] if session.messages else None
        if last is not None and last.role is Role.TOOL:
            return self._after_tool(session, memory, last)
        if last is None or last.role is not Role.DRIVER:
            return self._greet(session, memory)
        if not last.text:
            return self._silence(memory)
        turn = Turn(session, memory.model_copy(update={"silences": 0}), last.text)
        intent = classify(last.text)
        urgent = {
            Intent.HUMAN: "solicitud",
            Intent.INCIDENT: "incidente",
            Intent.ANGRY: "enojo",
        }.get(intent)
        if urgent is not None:
            return transfer(turn, urgent)
        if session.state is CallState.GREETING:
            return self._identify(turn, intent)
        if session.state is CallState.CREATING or (
            session.state is CallState.VALIDATING and session.trip_on_file is None
        ):
            return collect_trip(turn, intent)
        if session.state in (CallState.VALIDATING, CallState.UPDATING):
            return validate_trip(turn, intent)
        return transfer(turn, "fuera_de_guion")

    def _greet(self, session: CallSession, memory: DialogueMemory) -> list[AgentEvent]:
        hello = phrases.greeting(self._agent_name, self._company)
        if session.direction == "inbound":
            # The caller's number already identified the driver.
            hints = [StateHint(CallEvent.IDENTITY_CONFIRMED)]
            if session.trip_on_file is None:
                hints.append(StateHint(CallEvent.TRIP_MISSING))
            return [
                *hints,
                memory.remember(),
                TextDelta(f"{hello} ¿En qué le puedo ayudar, {session.driver.first_name}?"),
            ]
        memory = memory.model_copy(update={"asked_identity": True})
        return [memory.remember(), TextDelta(f"{hello} ¿Hablo con {session.driver.name}?")]

    def _identify(self, turn: Turn, intent: Intent) -> list[AgentEvent]:
        session, memory = turn.session, turn.memory
        if not memory.asked_identity:
            return self._greet(session, memory)
        if intent is Intent.YES:
            confirmed = Turn(session, memory.model_copy(update={"misunderstood": 0}), turn.text)
            if session.trip_on_file is None:
                return [
                    StateHint(CallEvent.IDENTITY_CONFIRMED),
                    StateHint(CallEvent.TRIP_MISSING),
                    *collect_trip(confirmed, Intent.UNKNOWN, opening=True),
                ]
            return [StateHint(CallEvent.IDENTITY_CONFIRMED), *self._read_trip(confirmed)]
        if intent in (Intent.WRONG_PERSON, Intent.NO):
            return [TextDelta(phrases.SORRY_WRONG_NUMBER), EndCall("wrong_person")]
        return turn.misunderstood(f"Perdón, ¿hablo con {session.driver.name}?")

    @staticmethod
    def _read_trip(turn: Turn) -> list[AgentEvent]:
        trip = turn.session.trip_on_file
        assert trip is not None
        memory = turn.memory.model_copy(update={"trip_read": True})
        text = phrases.read_trip(
            Draft.of(trip), turn.today, inbound=turn.session.direction == "inbound"
        )
        return [memory.remember(), TextDelta(text)]

    @staticmethod
    def _silence(memory: DialogueMemory) -> list[AgentEvent]:
        silences = memory.silences + 1
        memory = memory.model_copy(update={"silences": silences})
        if silences >= MAX_SILENCES:
            return [memory.remember(), TextDelta(phrases.GOODBYE_SILENCE), EndCall("silence")]
        return [memory.remember(), TextDelta(phrases.ARE_YOU_THERE)]

    @staticmethod
    def _after_tool(
        session: CallSession, memory: DialogueMemory, last: Message
    ) -> list[AgentEvent]:
        result = last.tool_result or {}
        turn = Turn(session, memory, "")
        if result.get("ok"):
            if last.tool_name == Tool.TRANSFERIR_A_HUMANO:
                return []
            done = phrases.DONE.get(last.tool_name or "", phrases.DONE["validar_viaje"])
            closing = phrases.OTHER_TRIP_NOTE if memory.other_trip_refused else phrases.THANKS
            return [TextDelta(f"{done} {closing}"), EndCall("done")]
        if last.tool_name == Tool.TRANSFERIR_A_HUMANO:
            return [EndCall("transfer_failed")]
        if result.get("error") == "sistema_no_disponible":
            return transfer(turn, "sistema", line=phrases.SYSTEM_DOWN)
        return transfer(turn, "fuera_de_guion", summary=str(result.get("detalle", "")))
