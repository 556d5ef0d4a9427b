"""OfflineAgent: Karla's dialogue without a language model.

Deterministic and instant, so it runs the demo and the scenario suite with no keys, and
takes over a call when the LLM provider fails. Its progress within a step (did she ask for
identity yet, how many silences) lives in the session's agent memory, so a resumed call
continues exactly where it was.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from media_server.pipeline.agent import (
    AgentEvent,
    EndCall,
    Remember,
    StateHint,
    TextDelta,
    ToolRequest,
)
from shared.domain.fsm import CallEvent, CallState, Tool
from shared.domain.session import CallSession, Message, Role
from shared.domain.spoken import say_date, say_place
from shared.tools.dispatcher import ToolCall

from .intents import Intent, classify

MAX_SILENCES = 2


class OfflineAgent:
    name = "offline"

    def __init__(self, company: str = "Transportes del Norte", agent_name: str = "Karla") -> None:
        self._company = company
        self._agent_name = agent_name

    async def respond(self, session: CallSession) -> AsyncIterator[AgentEvent]:
        for event in self._decide(session):
            yield event

    def _decide(self, session: CallSession) -> list[AgentEvent]:
        last = session.messages[-1] if session.messages else None
        if last is not None and last.role is Role.TOOL:
            return self._after_tool(session, last)
        if last is None or last.role is not Role.DRIVER:
            return self._greet(session)
        if not last.text:
            return self._silence(session)
        intent = classify(last.text)
        if intent in (Intent.HUMAN, Intent.INCIDENT):
            return self._transfer(
                "incidente" if intent is Intent.INCIDENT else "solicitud", last.text
            )
        reset = Remember({"silences": 0})
        if session.state is CallState.GREETING:
            return [reset, *self._identify(session, intent)]
        if session.state is CallState.VALIDATING:
            return [reset, *self._validate(session, intent)]
        return [reset, *self._transfer("fuera_de_guion", last.text)]

    def _greet(self, session: CallSession) -> list[AgentEvent]:
        intro = f"¡Hola, buen día, le habla {self._agent_name} de {self._company}!"
        if session.direction == "inbound":
            return [
                StateHint(CallEvent.IDENTITY_CONFIRMED),
                TextDelta(f"{intro} ¿En qué le puedo ayudar, {session.driver.first_name}?"),
            ]
        return [
            Remember({"asked_identity": True}),
            TextDelta(f"{intro} ¿Hablo con {session.driver.name}?"),
        ]

    def _identify(self, session: CallSession, intent: Intent) -> list[AgentEvent]:
        if not session.agent_memory.get("asked_identity"):
            return self._greet(session)
        if intent is Intent.YES:
            return [StateHint(CallEvent.IDENTITY_CONFIRMED), *self._read_trip(session)]
        if intent in (Intent.WRONG_PERSON, Intent.NO):
            return [TextDelta("Disculpe la molestia, que tenga buen día."), EndCall("wrong_person")]
        return [TextDelta(f"Perdón, ¿hablo con {session.driver.name}?")]

    def _read_trip(self, session: CallSession) -> list[AgentEvent]:
        trip = session.trip_on_file
        if trip is None:
            return self._transfer("fuera_de_guion", "sin viaje registrado")
        when = say_date(trip.date, session.call_time.date())
        return [
            TextDelta(
                f"Le llamo para confirmar su viaje de {say_place(trip.origin)} a "
                f"{say_place(trip.destination)}, {when}. ¿Es correcto?"
            )
        ]

    def _validate(self, session: CallSession, intent: Intent) -> list[AgentEvent]:
        if intent is Intent.YES:
            return [self._tool(Tool.VALIDAR_VIAJE, {})]
        if intent is Intent.NO:
            return self._transfer("fuera_de_guion", "el chofer no confirma el viaje")
        return [TextDelta("Perdón, no le entendí. ¿El viaje es correcto, sí o no?")]

    def _silence(self, session: CallSession) -> list[AgentEvent]:
        silences = int(session.agent_memory.get("silences", 0)) + 1
        if silences >= MAX_SILENCES:
            return [
                Remember({"silences": silences}),
                TextDelta("No le escucho, le marcamos más tarde. Buen día."),
                EndCall("silence"),
            ]
        return [Remember({"silences": silences}), TextDelta("¿Bueno? ¿Me escucha?")]

    def _after_tool(self, session: CallSession, last: Message) -> list[AgentEvent]:
        result = last.tool_result or {}
        if result.get("ok"):
            if last.tool_name == Tool.TRANSFERIR_A_HUMANO:
                return []
            return [TextDelta("Listo, quedó registrado. ¡Gracias y buen camino!"), EndCall("done")]
        if result.get("error") == "sistema_no_disponible":
            return self._transfer("sistema", "el sistema de viajes no responde")
        return self._transfer("fuera_de_guion", str(result.get("detalle", "")))

    def _transfer(self, reason: str, summary: str) -> list[AgentEvent]:
        return [
            TextDelta("Claro, le comunico con una persona del equipo."),
            self._tool(Tool.TRANSFERIR_A_HUMANO, {"motivo": reason, "resumen": summary[:300]}),
        ]

    @staticmethod
    def _tool(tool: Tool, arguments: dict[str, object]) -> ToolRequest:
        return ToolRequest(
            ToolCall(id=f"off-{uuid.uuid4().hex[:12]}", name=tool.value, arguments=dict(arguments))
        )
