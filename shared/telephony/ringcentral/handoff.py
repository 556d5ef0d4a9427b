"""`transferir_a_humano` over RingCentral: the live call goes to the human queue.

RingCentral's transfer request names only the target (ringcentral.md §4), so the context
(why, and what the driver said) cannot ride on it. It travels through a `TransferBriefing`
first, so the human's screen already shows it when the phone rings there; without one,
the tool call's arguments in the audit are the record. The doc's attended recipe (hold,
call the human, bridge) would make Karla wait mid-turn for a webhook saying the human
answered, with party ids the doc marks unconfirmed; transfer plus briefing hands over the
same context in one request. The telephony ids of a call live in the call session
(Redis), which shared/telephony must not know: a `CallLegLookup` maps Karla's call id to
them.

A briefing that fails is logged and the transfer goes ahead: the driver asked for a
person, and a human without context beats no human. A transfer that fails comes back as
`accepted=False` with the reason, which the ToolDispatcher hands to the model.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from shared.observability.logging import get_logger
from shared.telephony.handoff import HandoffRequest, HandoffResult
from shared.telephony.ringcentral.client import CallLeg, RingCentralClient
from shared.telephony.ringcentral.errors import RingCentralError

CallLegLookup = Callable[[str], Awaitable[CallLeg | None]]

_log = get_logger(__name__)


class TransferBriefing(Protocol):
    """Puts the handoff's context in front of the human who will take the call."""

    async def brief(self, request: HandoffRequest, leg: CallLeg, destination: str) -> None: ...


class RingCentralHandoff:
    """A `HumanHandoff` that transfers the call's RingCentral party to the queue extension."""

    def __init__(
        self,
        client: RingCentralClient,
        locate: CallLegLookup,
        queue_extension: str,
        briefing: TransferBriefing | None = None,
    ) -> None:
        if not queue_extension.strip():
            raise ValueError("a transfer target (queue extension) is required")
        self._client = client
        self._locate = locate
        self._queue = queue_extension
        self._briefing = briefing

    async def transfer(self, request: HandoffRequest) -> HandoffResult:
        leg = await self._locate(request.call_id)
        if leg is None:
            return HandoffResult(False, self._queue, "la llamada no tiene una línea activa")
        if self._briefing is not None:
            try:
                await self._briefing.brief(request, leg, self._queue)
            except Exception as exc:
                _log.warning("transfer_briefing_failed", call_id=request.call_id, error=str(exc))
        try:
            await self._client.transfer(leg, extension_number=self._queue)
        except RingCentralError as exc:
            _log.warning(
                "ringcentral_transfer_failed",
                call_id=request.call_id,
                telephony_session_id=leg.telephony_session_id,
                error=str(exc),
            )
            return HandoffResult(False, self._queue, f"RingCentral no transfirió: {exc}")
        return HandoffResult(True, self._queue, f"sesión {leg.telephony_session_id}")
