"""Opening a call session at dispatch and closing the call's record at the end.

Opening pins the trip: the trip named by the trigger is read from the client system once,
checked to belong to the call's driver, and fixed in the Redis session for the whole call.
Closing writes the outcome, the usage and its cost estimate to the audit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared.client_api import TripsClient
from shared.db.repositories import AuditStore
from shared.domain.call import CallStatus, Direction, Outcome
from shared.domain.pricing import PriceList, estimate_cost
from shared.domain.session import CallSession
from shared.domain.trip import Driver, Trip
from shared.observability.metrics import CALLS_FINISHED
from shared.state.sessions import CallSessionStore, SessionExists


class TripOfAnotherDriver(RuntimeError):
    """The trigger names a trip that belongs to someone else: the call must not proceed."""


@dataclass(frozen=True)
class CallParty:
    driver: Driver
    direction: Direction = Direction.OUTBOUND


class CallLifecycle:
    def __init__(
        self,
        audit: AuditStore,
        sessions: CallSessionStore,
        trips: TripsClient,
        prices: PriceList,
    ) -> None:
        self._audit = audit
        self._sessions = sessions
        self._trips = trips
        self._prices = prices

    async def open_session(
        self, call_id: str, party: CallParty, trip_id: str | None, call_time: dt.datetime
    ) -> CallSession:
        """Create the call's session (state dialing, trip pinned); reuse it if it exists."""
        existing = await self._sessions.get(call_id)
        if existing is not None:
            return existing
        trip: Trip | None = None
        others: list[Trip] = []
        if trip_id is not None:
            trip = await self._trips.get_trip(trip_id)
            if trip is not None and trip.driver_id != party.driver.driver_id:
                raise TripOfAnotherDriver(f"trip {trip_id} is not assigned to this driver")
        if party.direction is Direction.INBOUND:
            open_trips = await self._trips.list_trips(party.driver.driver_id, status="pending")
            open_trips.sort(key=lambda t: t.date, reverse=True)
            if trip is None and open_trips:
                trip = open_trips[0]
            others = [t for t in open_trips if trip is None or t.trip_id != trip.trip_id]
        session = CallSession(
            call_id=call_id,
            direction=party.direction,
            driver=party.driver,
            trip_id=trip.trip_id if trip else None,
            trip_on_file=trip,
            other_open_trips=others,
            call_time=call_time,
        )
        try:
            return await self._sessions.create(session)
        except SessionExists:
            found = await self._sessions.get(call_id)
            assert found is not None
            return found

    async def finish(self, session: CallSession, ended_at: dt.datetime) -> Outcome:
        """Record the outcome, usage and cost; the call record becomes final."""
        outcome = session.outcome or Outcome.ENDED_WITHOUT_CHANGE
        call = await self._audit.calls.get(session.call_id)
        started = (call.started_at if call else None) or session.call_time
        seconds = max(0.0, (ended_at - started).total_seconds())
        cost = estimate_cost(session.usage, self._prices, seconds)
        if session.trip_id and call is not None and call.trip_id != session.trip_id:
            await self._audit.calls.set_trip(session.call_id, session.trip_id)
        await self._audit.calls.finish(
            session.call_id,
            CallStatus.COMPLETED,
            outcome,
            _reason(session),
            session.usage,
            cost,
            ended_at,
        )
        CALLS_FINISHED.labels(outcome=outcome.value).inc()
        return outcome


def _reason(session: CallSession) -> str | None:
    """Why the call ended, in a few words for the client's operators."""
    if session.outcome is Outcome.TRANSFERRED:
        for message in reversed(session.messages):
            if message.tool_name == "transferir_a_humano" and message.tool_args:
                return f"transferida: {message.tool_args.get('motivo', 'solicitud')}"
        return "transferida"
    if session.outcome in (None, Outcome.ENDED_WITHOUT_CHANGE):
        return str(session.agent_memory.get("end_reason") or "sin cambios")
    return None
