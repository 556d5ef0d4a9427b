"""ToolDispatcher: the only way a tool call reaches the client system or the telephony.

Whatever the model or the driver says, a tool acts on the call's pinned trip and driver:
the dispatcher adds them from the call session, refuses a call aimed at another trip,
refuses tools the conversation state does not allow, validates every argument, makes each
write idempotent with a key derived from the call and the arguments (a retried or resumed
turn replays instead of writing twice), audits every call and counts its readiness.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from shared.client_api import ClientApiError, ClientApiUnavailable, TripsClient, TripWrite
from shared.db.repositories.tool_calls import ToolCallRepository
from shared.domain.call import Outcome
from shared.domain.fsm import CallState, Tool, state_after_tool, tool_allowed
from shared.domain.session import CallSession
from shared.domain.trip import TripStatus
from shared.observability.metrics import TOOL_DISPATCH, TOOL_LATENCY
from shared.state.idempotency import fingerprint_of
from shared.telephony.handoff import HandoffRequest, HumanHandoff
from shared.tools.arguments import (
    PINNED_KEYS,
    ActualizarArgs,
    CrearArgs,
    InvalidArguments,
    TransferirArgs,
    parse_arguments,
)

Readiness = Literal["ready", "refused", "failed"]

_OUTCOME_OF: dict[Tool, Outcome] = {
    Tool.VALIDAR_VIAJE: Outcome.CONFIRMED,
    Tool.ACTUALIZAR_VIAJE: Outcome.UPDATED,
    Tool.CREAR_VIAJE: Outcome.CREATED,
    Tool.TRANSFERIR_A_HUMANO: Outcome.TRANSFERRED,
}


@dataclass(frozen=True)
class ToolCall:
    """A tool call as the agent asked for it."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolOutcome:
    """What happened: the result to show the model, and the session after it."""

    readiness: Readiness
    result: dict[str, Any]
    session: CallSession


class _Refused(Exception):
    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class _Failed(Exception):
    """The tool was admitted but its effect could not happen."""


class ToolDispatcher:
    def __init__(
        self, trips: TripsClient, handoff: HumanHandoff, audit: ToolCallRepository
    ) -> None:
        self._trips = trips
        self._handoff = handoff
        self._audit = audit

    async def dispatch(self, session: CallSession, call: ToolCall) -> ToolOutcome:
        """Run one tool call for `session`; never raises for the model's or client's faults."""
        started = time.perf_counter()
        request_id: str | None = None
        tool_label = call.name if call.name in Tool._value2member_map_ else "unknown"
        try:
            tool, args = self._admit(session, call)
            result, session, request_id = await self._execute(session, tool, args, call)
            readiness: Readiness = "ready"
            error = None
        except _Refused as refusal:
            readiness, error = "refused", refusal.reason
            result = {"ok": False, "error": refusal.code, "detalle": refusal.reason}
        except _Failed as exc:
            readiness, error = "failed", str(exc)
            result = {"ok": False, "error": "fallo", "detalle": str(exc)}
        except ClientApiError as exc:
            readiness, error = "failed", str(exc)
            unavailable = isinstance(exc, ClientApiUnavailable)
            result = {
                "ok": False,
                "error": "sistema_no_disponible" if unavailable else "rechazado_por_sistema",
                "detalle": "El sistema de viajes no responde; transfiere a una persona."
                if unavailable
                else str(exc),
            }
        latency_ms = (time.perf_counter() - started) * 1000
        TOOL_DISPATCH.labels(tool=tool_label, readiness=readiness).inc()
        TOOL_LATENCY.labels(tool=tool_label).observe(latency_ms / 1000)
        await self._audit.add(
            session.call_id,
            call.id,
            call.name,
            call.arguments,
            result,
            readiness,
            error,
            latency_ms,
            request_id,
        )
        return ToolOutcome(readiness, result, session)

    def _admit(self, session: CallSession, call: ToolCall) -> tuple[Tool, Any]:
        try:
            tool = Tool(call.name)
        except ValueError:
            raise _Refused(
                f"herramienta desconocida: {call.name!r}", "herramienta_desconocida"
            ) from None
        arguments = self._strip_pinned(session, call.arguments)
        if not tool_allowed(session.state, tool):
            raise _Refused(
                f"{tool.value} no está permitido en el estado {session.state.value}",
                "no_permitido_en_este_paso",
            )
        if tool.writes_trip and tool is not Tool.CREAR_VIAJE and session.trip_id is None:
            raise _Refused("esta llamada no tiene un viaje registrado", "sin_viaje")
        try:
            args = parse_arguments(tool, arguments, today=session.call_time.date())
        except InvalidArguments as exc:
            raise _Refused(str(exc), "argumentos_invalidos") from None
        return tool, args

    @staticmethod
    def _strip_pinned(session: CallSession, arguments: dict[str, Any]) -> dict[str, Any]:
        """Drop pinned keys that repeat the call's own ids; refuse ones naming others."""
        pinned = {session.trip_id, session.driver.driver_id} - {None}
        for key in PINNED_KEYS & arguments.keys():
            if str(arguments[key]).strip() not in pinned:
                raise _Refused(
                    "solo se puede modificar el viaje de esta llamada", "viaje_no_permitido"
                )
        return {k: v for k, v in arguments.items() if k not in PINNED_KEYS}

    async def _execute(
        self, session: CallSession, tool: Tool, args: Any, call: ToolCall
    ) -> tuple[dict[str, Any], CallSession, str | None]:
        key = self._idempotency_key(session, tool, args)
        write: TripWrite | None = None
        result: dict[str, Any]
        updates: dict[str, Any] = {}
        if tool is Tool.VALIDAR_VIAJE:
            assert session.trip_id is not None
            write = await self._trips.update_trip(
                session.trip_id, {"status": TripStatus.VALIDATED.value}, key
            )
        elif tool is Tool.ACTUALIZAR_VIAJE:
            assert session.trip_id is not None
            assert isinstance(args, ActualizarArgs)
            write = await self._trips.update_trip(session.trip_id, _changes(args), key)
        elif tool is Tool.CREAR_VIAJE:
            assert isinstance(args, CrearArgs)
            write = await self._trips.create_trip(
                session.driver.driver_id, args.origen, args.destino, args.fecha, key
            )
            updates["trip_id"] = write.trip.trip_id
        else:
            assert isinstance(args, TransferirArgs)
            handed = await self._handoff.transfer(
                HandoffRequest(
                    session.call_id,
                    session.driver.driver_id,
                    session.trip_id,
                    args.motivo,
                    args.resumen,
                )
            )
            if not handed.accepted:
                raise _Failed(f"la transferencia no se pudo hacer: {handed.detail}")
            result = {"ok": True, "transferido_a": handed.destination}
        if write is not None:
            trip = write.trip
            result = {
                "ok": True,
                "viaje": {
                    "origen": trip.origin,
                    "destino": trip.destination,
                    "fecha": trip.date.isoformat(),
                    "estatus": trip.status.value,
                },
            }
        after = state_after_tool(session.state, tool)
        updated = session.model_copy(
            update={
                **updates,
                "state": after,
                "tools_called": [*session.tools_called, tool.value],
                "outcome": _OUTCOME_OF[tool] if after in _FINAL_STEPS else session.outcome,
            }
        )
        return result, updated, write.request_id if write else None

    @staticmethod
    def _idempotency_key(session: CallSession, tool: Tool, args: Any) -> str:
        payload = args.model_dump(mode="json")
        return f"karla-{session.call_id}-{tool.value}-{fingerprint_of(payload)[:16]}"


_FINAL_STEPS = frozenset({CallState.CLOSING, CallState.TRANSFERRING})


def _changes(args: ActualizarArgs) -> dict[str, str]:
    changes: dict[str, str] = {"status": TripStatus.UPDATED.value}
    if args.origen is not None:
        changes["origin"] = args.origen
    if args.destino is not None:
        changes["destination"] = args.destino
    if args.fecha is not None:
        changes["date"] = args.fecha.isoformat()
    return changes
