"""Inbound calls: a driver phones Karla's number.

RingCentral reports the call ringing at Karla's extension (a telephony-session event whose
party is Inbound, for a session no attempt names) before the bridge's device answers it.
The webhook then does for it what the dispatcher does for a call-out, so the bridge's leg
finds an inbound call exactly as it finds a call-out:
- the caller's number identifies the driver (`DriverRepository.by_phone`);
- a calls row (direction inbound) and its attempt 1 under the telephony session. The row
  is keyed on the session (the calls table's unique idempotency key), so a repeated
  notification finds the call already there and does nothing: one ring, one call;
- the call session, pinning the driver's open trips (`CallLifecycle.open_session`);
- the media token, granted and left under the telephony session id (`MediaLegs`), where
  the leg that rings the bridge takes it, as for a call-out; the bridge answers then.
A caller Karla cannot pin to a driver (a number not on file, or the driver's trips cannot
be read) is not left ringing: every tool acts on a pinned driver, so Karla has nothing to
do for them, and the call is forwarded to the human queue while it rings and recorded as
transferred, with why (or as failed, with why, when even the forward is refused). A
withheld number cannot be recorded (a call has a number) and is only forwarded.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from shared.calls.call_states import CallStates
from shared.calls.lifecycle import CallLifecycle, CallParty
from shared.calls.media_grant import grant_media
from shared.db.repositories import AuditStore, CallRecord, DuplicateIdempotencyKey
from shared.domain.call import AttemptResult, CallStatus, Direction, Outcome
from shared.domain.phone import InvalidPhoneNumber, mask_phone, normalize_mx_phone
from shared.domain.trip import Driver
from shared.observability.logging import get_logger
from shared.state.sessions import CallSessionStore
from shared.telephony.dialer import MediaLegs
from shared.telephony.ringcentral import CallLeg, PartyEvent

UNKNOWN_CALLER = "desconocido"  # the driver id of a call from a number not on file
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")

_log = get_logger(__name__)


class CallForwarder(Protocol):
    async def forward(self, leg: CallLeg) -> str:
        """Send the ringing `leg` to the human queue; return where it went."""
        ...


class InboundResult(StrEnum):
    OPENED = "inbound_opened"  # Karla takes it: session open, token left for the bridge
    FORWARDED = "forwarded"  # a person takes it
    FAILED = "inbound_failed"  # nobody could be given the call (recorded with why)
    REPEATED = "repeated"  # this ring was handled already


@dataclass(frozen=True)
class InboundPolicy:
    media_token_secret: str
    media_token_ttl_seconds: int
    answer_timeout_seconds: float  # ringing with no verdict by then: the sweep steps in
    timezone: str  # the session's wall clock

    def __post_init__(self) -> None:
        if not self.media_token_secret:
            raise ValueError("inbound calls need MEDIA_TOKEN_SECRET to grant media tokens")


class InboundCalls:
    def __init__(
        self,
        audit: AuditStore,
        states: CallStates,
        lifecycle: CallLifecycle,
        sessions: CallSessionStore,
        media_legs: MediaLegs,
        forwarder: CallForwarder | None,
        policy: InboundPolicy,
    ) -> None:
        self._audit = audit
        self._states = states
        self._lifecycle = lifecycle
        self._sessions = sessions
        self._media_legs = media_legs
        self._forwarder = forwarder
        self._policy = policy
        self._zone = ZoneInfo(policy.timezone)

    async def ring(self, event: PartyEvent, now: dt.datetime) -> InboundResult:
        """The first word of an inbound call: open it for Karla, or forward it to a person."""
        caller = event.from_number if event.from_number and _E164.match(event.from_number) else None
        driver = await self._driver_calling(caller)
        call: CallRecord | None = None
        if caller is not None:
            call = await self._record(event, caller, driver, now)
            if call is None:
                return InboundResult.REPEATED
        if driver is None or call is None:
            return await self._forward(call, event, now, "número no registrado")
        try:
            await self._lifecycle.open_session(
                str(call.id), CallParty(driver, Direction.INBOUND), None, now.astimezone(self._zone)
            )
        except Exception as exc:  # the client's system did not answer: a person can help
            _log.warning("inbound_trips_unreadable", call_id=str(call.id), error=str(exc))
            return await self._forward(call, event, now, "no se pudieron leer sus viajes")
        policy = self._policy
        token = await grant_media(
            self._sessions, str(call.id), policy.media_token_secret, policy.media_token_ttl_seconds
        )
        await self._media_legs.publish(event.telephony_session_id, token)
        _log.info(
            "inbound_call_opened",
            call_id=str(call.id),
            driver_id=driver.driver_id,
            telephony_session=event.telephony_session_id,
        )
        return InboundResult.OPENED

    async def _driver_calling(self, caller: str | None) -> Driver | None:
        if caller is None:
            return None
        try:
            number = normalize_mx_phone(caller)
        except InvalidPhoneNumber:
            return None  # not a Mexican number: no driver of ours
        return await self._audit.drivers.by_phone(number)

    async def _record(
        self, event: PartyEvent, caller: str, driver: Driver | None, now: dt.datetime
    ) -> CallRecord | None:
        """The call and its ringing attempt; None when a repeated event recorded it first."""
        try:
            call = await self._audit.calls.create(
                uuid.uuid4(),
                driver.driver_id if driver else UNKNOWN_CALLER,
                None,
                caller,
                Direction.INBOUND,
                CallStatus.QUEUED,
                idempotency_key=f"ringcentral-inbound:{event.telephony_session_id}",
                call_time=now,
            )
        except DuplicateIdempotencyKey:
            return None
        deadline = now + dt.timedelta(seconds=self._policy.answer_timeout_seconds)
        await self._states.claim_dial(call.id, 1, deadline)
        await self._audit.attempts.start(call.id, 1, event.telephony_session_id)
        return await self._audit.calls.get(call.id)

    async def _forward(
        self, call: CallRecord | None, event: PartyEvent, now: dt.datetime, why: str
    ) -> InboundResult:
        leg = CallLeg(event.telephony_session_id, event.party_id)
        caller = mask_phone(event.from_number) if event.from_number else "withheld"
        try:
            if self._forwarder is None:
                raise RuntimeError("no telephony forwarder is configured")
            destination = await self._forwarder.forward(leg)
        except Exception as exc:  # whatever telephony said, nobody has the call
            _log.error("inbound_forward_failed", caller=caller, why=why, error=str(exc))
            if call is not None:
                await self._states.give_up(
                    call.id,
                    (CallStatus.DIALING,),
                    CallStatus.FAILED,
                    None,
                    f"{why}; no se pudo transferir a una persona",
                    now,
                )
            return InboundResult.FAILED
        _log.info("inbound_call_forwarded", caller=caller, why=why, destination=destination)
        if call is not None:
            await self._audit.attempts.finish(call.id, 1, AttemptResult.ANSWERED)
            await self._states.give_up(
                call.id,
                (CallStatus.DIALING,),
                CallStatus.COMPLETED,
                Outcome.TRANSFERRED,
                f"{why}: transferida a {destination}",
                now,
            )
        return InboundResult.FORWARDED
