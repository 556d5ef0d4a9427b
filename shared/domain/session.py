"""The live call session: everything a process needs to continue a call where it was.

It lives in Redis (see `shared.state.sessions`) and is saved after every turn, so a
media-server restart mid-call loses nothing. The pinned `trip_id` and `driver` are set by
the server when the call is dispatched; nothing the driver or the model says changes them.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from shared.domain.call import Direction, Outcome
from shared.domain.fsm import CallState
from shared.domain.trip import Driver, Trip


class Role(StrEnum):
    KARLA = "karla"
    DRIVER = "driver"
    TOOL = "tool"


class Message(BaseModel):
    """One entry of the conversation so far, in the order it happened."""

    role: Role
    text: str = ""
    interrupted: bool = False  # Karla was cut off; `text` is what the driver heard
    tool_call_id: str | None = None
    tool_name: str | None = None
    tool_args: dict[str, Any] | None = None
    tool_result: dict[str, Any] | None = None
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None


class Usage(BaseModel):
    """What the call consumed from each paid provider, for cost accounting."""

    stt_audio_seconds: float = 0.0
    llm_input_tokens: int = 0
    llm_output_tokens: int = 0
    llm_cache_read_tokens: int = 0
    llm_cache_write_tokens: int = 0
    tts_characters: int = 0

    def add(self, other: Usage) -> Usage:
        return Usage(
            **{name: getattr(self, name) + getattr(other, name) for name in Usage.model_fields}
        )


class CallSession(BaseModel):
    call_id: str
    direction: Direction
    driver: Driver
    trip_id: str | None  # pinned at dispatch; set once by crear_viaje when it was None
    trip_on_file: Trip | None = None
    other_open_trips: list[Trip] = Field(default_factory=list)  # inbound: the driver's others
    state: CallState = CallState.DIALING
    call_time: dt.datetime  # the call's wall clock (America/Mexico_City), resolves "ayer"
    messages: list[Message] = Field(default_factory=list)
    agent_memory: dict[str, Any] = Field(default_factory=dict)
    tools_called: list[str] = Field(default_factory=list)
    outcome: Outcome | None = None
    usage: Usage = Field(default_factory=Usage)
    version: int = 0

    @property
    def ended(self) -> bool:
        return self.state in (CallState.ENDED, CallState.TRANSFERRING)
