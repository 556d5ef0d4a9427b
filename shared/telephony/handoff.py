"""Warm transfer of a live call to a human agent.

`transferir_a_humano` goes through this interface: RingCentral's one-call transfer in
production, a recording stand-in when Karla runs without telephony (demo, scenario runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class HandoffRequest:
    call_id: str
    driver_id: str
    trip_id: str | None
    reason: str
    summary: str


@dataclass(frozen=True)
class HandoffResult:
    accepted: bool
    destination: str  # the queue or extension that took the call
    detail: str = ""


class HumanHandoff(Protocol):
    async def transfer(self, request: HandoffRequest) -> HandoffResult: ...


@dataclass
class RecordingHandoff:
    """Accepts every transfer into a named queue and remembers it (no telephony attached)."""

    queue: str = "operaciones"
    transfers: list[HandoffRequest] = field(default_factory=list)

    async def transfer(self, request: HandoffRequest) -> HandoffResult:
        self.transfers.append(request)
        return HandoffResult(accepted=True, destination=self.queue, detail="recorded")
