"""The local stand-in for the ops screen-pop: briefs the emulator's human agent over HTTP.

`RingCentralHandoff` sends a transfer's context through a `TransferBriefing` because
RingCentral's transfer request carries none; locally, the emulator's human agent is who
reads it, and records it with the transfer.
"""

from __future__ import annotations

import httpx

from shared.telephony.handoff import HandoffRequest
from shared.telephony.ringcentral.client import CallLeg


class EmulatorBriefing:
    def __init__(self, emulator_url: str, *, timeout_seconds: float = 2.0) -> None:
        self._http = httpx.AsyncClient(base_url=emulator_url, timeout=timeout_seconds)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def brief(self, request: HandoffRequest, leg: CallLeg, destination: str) -> None:
        response = await self._http.post(
            "/_emulator/briefings",
            json={
                "telephony_session_id": leg.telephony_session_id,
                "call_id": request.call_id,
                "driver_id": request.driver_id,
                "trip_id": request.trip_id,
                "reason": request.reason,
                "summary": request.summary,
                "destination": destination,
            },
        )
        response.raise_for_status()
