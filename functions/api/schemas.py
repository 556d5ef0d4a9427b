"""Request and response bodies of the trigger API, as the OpenAPI document shows them."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.calls.triggers import ID_PATTERN, MAX_ID_LENGTH
from shared.db.repositories import CallRecord, ToolCallRecord, TurnRecord
from shared.domain.call import CallStatus, Direction, Outcome, Speaker
from shared.domain.session import Usage

_CALL_ID_EXAMPLE = "0b9f3c52-4d1e-4a8e-9a57-0d4c2b7f5e11"


class CallRequest(BaseModel):
    """A call to place: which driver, about which trip leg, at which number."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "driver_id": "DRV-1042",
                    "trip_id": "TRIP-88231",
                    "phone": "81 1234 5678",
                    "driver_name": "Juan Pérez",
                }
            ]
        }
    )

    driver_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)
    trip_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)
    phone: str = Field(
        min_length=1,
        max_length=32,
        description="A Mexican number in any common form; stored and dialled as E.164.",
    )
    driver_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="How Karla greets the driver ('¿Hablo con Juan Pérez?'); kept per driver.",
    )


class CallAccepted(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"call_id": _CALL_ID_EXAMPLE, "status": "queued", "replayed": False}]
        }
    )

    call_id: uuid.UUID
    status: CallStatus
    replayed: bool = Field(
        description="True when this answer is an earlier call's: same Idempotency-Key, or an "
        "open call for the same driver and trip."
    )


class TurnOut(BaseModel):
    seq: int
    speaker: Speaker
    text: str
    started_at: dt.datetime
    ended_at: dt.datetime
    interrupted: bool

    @classmethod
    def of(cls, turn: TurnRecord) -> TurnOut:
        return cls(
            seq=turn.seq,
            speaker=turn.speaker,
            text=turn.text,
            started_at=turn.started_at,
            ended_at=turn.ended_at,
            interrupted=turn.interrupted,
        )


class ToolCallOut(BaseModel):
    tool: str
    args: dict[str, Any]
    result: dict[str, Any] | None
    readiness: str = Field(description="ready (executed), refused (not allowed), failed.")
    error: str | None
    latency_ms: float
    client_request_id: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, call: ToolCallRecord) -> ToolCallOut:
        return cls(
            tool=call.tool,
            args=call.args,
            result=call.result,
            readiness=call.readiness,
            error=call.error,
            latency_ms=call.latency_ms,
            client_request_id=call.client_request_id,
            created_at=call.created_at,
        )


class CallSummary(BaseModel):
    """A call as the list shows it. `phone` is the E.164 number the client sent us."""

    call_id: uuid.UUID
    direction: Direction
    status: CallStatus
    outcome: Outcome | None
    outcome_reason: str | None
    driver_id: str
    trip_id: str | None
    phone: str
    attempts: int
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    started_at: dt.datetime | None
    ended_at: dt.datetime | None

    @classmethod
    def of(cls, call: CallRecord) -> CallSummary:
        return cls(**_summary_fields(call))


class CallDetail(CallSummary):
    """A call with its audit: usage, cost, the transcript and every tool call."""

    usage: Usage
    cost_usd: Decimal | None = Field(description="Estimated provider cost; null until the end.")
    transcript: list[TurnOut]
    tool_calls: list[ToolCallOut]

    @classmethod
    def build(
        cls, call: CallRecord, turns: list[TurnRecord], tool_calls: list[ToolCallRecord]
    ) -> CallDetail:
        return cls(
            **_summary_fields(call),
            usage=call.usage,
            cost_usd=call.cost_usd,
            transcript=[TurnOut.of(turn) for turn in turns],
            tool_calls=[ToolCallOut.of(tool_call) for tool_call in tool_calls],
        )


class CallList(BaseModel):
    items: list[CallSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class ErrorBody(BaseModel):
    """Every error: a stable machine code and a reason a person can act on."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"error": "not_found", "reason": "no call with this id"}]}
    )

    error: str
    reason: str


COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    500: {
        "model": ErrorBody,
        "description": "Unexpected error; it was logged, details are not returned.",
    },
    503: {
        "model": ErrorBody,
        "description": "Postgres or Redis is not answering; retry after `Retry-After` seconds.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}


class Health(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "ok", "checks": {"postgres": "ok", "redis": "ok"}}]
        }
    )

    status: Literal["ok", "degraded"]
    checks: dict[str, Literal["ok", "down"]]


def _summary_fields(call: CallRecord) -> dict[str, Any]:
    return {
        "call_id": call.id,
        "direction": call.direction,
        "status": call.status,
        "outcome": call.outcome,
        "outcome_reason": call.outcome_reason,
        "driver_id": call.driver_id,
        "trip_id": call.trip_id,
        "phone": call.phone,
        "attempts": call.attempts,
        "next_attempt_at": call.next_attempt_at,
        "created_at": call.created_at,
        "updated_at": call.updated_at,
        "started_at": call.started_at,
        "ended_at": call.ended_at,
    }
