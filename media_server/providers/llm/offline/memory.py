"""What the dialogue manager remembers between turns, kept in the call session.

Stored under one key of `session.agent_memory`, so a resumed call (or a call the LLM
agent hands over) continues from exactly the same step.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

from media_server.pipeline.agent import Remember
from shared.domain.fsm import CallState
from shared.domain.session import CallSession, Role
from shared.domain.trip import Trip

MEMORY_KEY = "dialogue"

Field = Literal["origin", "destination", "date"]
FIELDS: tuple[Field, ...] = ("origin", "destination", "date")


class Draft(BaseModel):
    """The trip as Karla would write it: the correction or the new trip being collected."""

    origin: str | None = None
    destination: str | None = None
    date: dt.date | None = None

    @classmethod
    def of(cls, trip: Trip) -> Draft:
        return cls(origin=trip.origin, destination=trip.destination, date=trip.date)

    def missing(self) -> list[Field]:
        return [name for name in FIELDS if getattr(self, name) is None]


class DialogueMemory(BaseModel):
    asked_identity: bool = False
    trip_read: bool = False  # Karla has read the trip on file aloud
    silences: int = 0
    misunderstood: int = 0  # consecutive turns she could not make sense of
    draft: Draft | None = None
    read_back: bool = False  # her last question was "is this right?" about the draft
    asking: Field | Literal["which"] | None = None  # what her last question asked for
    other_trip_refused: bool = False

    @classmethod
    def of(cls, session: CallSession) -> DialogueMemory:
        stored = session.agent_memory.get(MEMORY_KEY)
        if stored:
            return cls.model_validate(stored)
        # Taking over from another agent: infer what can be inferred from the transcript.
        spoke = any(m.role is Role.KARLA for m in session.messages)
        return cls(
            asked_identity=spoke and session.direction == "outbound",
            trip_read=spoke and session.state is not CallState.GREETING,
        )

    def remember(self) -> Remember:
        return Remember({MEMORY_KEY: self.model_dump(mode="json")})
