"""What happens after a dial nobody answered: redial 30 minutes later, or give up.

The retry is a row, not a message. SQS can delay a message 15 minutes at most, and the
choices for the other 15 were:

- EventBridge Scheduler one-time schedules (`at(...)`): exact, but a second store of
  truth next to the calls row (a dual write: the row says "retry at 10:30" and the
  schedule may not exist, or exist for a call that has since completed), a delete per
  cancelled retry, an IAM PassRole and CreateSchedule rate limits, and no local stand-in.
- Chained SQS delays (2 x 15 min, the consumer re-sending the remainder): no new service,
  but the pending retry is invisible to the database and to the client, every hop is an
  invocation and a chance to land in the DLQ, and backlog skews the 30 minutes.
- A due index in Postgres swept by the scheduler (chosen): the retry is the call's own
  `status = retry_scheduled, next_attempt_at = T` (which the client already reads through
  `GET /api/calls/{id}`), written in the same statement that ends the attempt, so a
  recorded retry always happens and a cancelled one is just a changed row. The scheduler
  sweeps anyway (window openings of campaigns, stuck dials, answers without media); one
  more status costs nothing. It runs the same way on a laptop and in tests, where the
  sweep takes `now` and the clock jumps 30 minutes. Precision is the sweep period (one
  minute), irrelevant next to a 30-minute wait; cost is one small Lambda a minute and an
  index scan over open calls only (`calls_open_check_at_idx`).

A retry that falls outside the calling window is moved to the window's next opening when
it is scheduled, so the client sees the real time of the next try. An inbound call is
never redialled: the driver called Karla, and one that ended before the conversation
(hung up while ringing, no media) is over, failed with why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from shared.calls.call_states import CallStates
from shared.calls.campaigns import CampaignWindows
from shared.db.repositories import AttemptRepository, CallRecord
from shared.domain.call import (
    MAX_ATTEMPTS,
    RETRY_DELAY_SECONDS,
    AttemptResult,
    CallStatus,
    Direction,
    Outcome,
)
from shared.observability.logging import get_logger

_log = get_logger(__name__)

# How each unanswered try reads to the client's operators.
_SAID = {
    # An answered try is redialled only when its media never attached (the sweep).
    AttemptResult.ANSWERED: "contestó pero no se conectó el audio",
    AttemptResult.NO_ANSWER: "no contestó",
    AttemptResult.BUSY: "estaba ocupado",
    AttemptResult.VOICEMAIL: "entró el buzón de voz",
    AttemptResult.REJECTED: "rechazó la llamada",
    AttemptResult.FAILED: "la llamada no se completó",
}

_INBOUND_LOST = "la llamada entrante terminó antes de la conversación"


def unreachable_reason(results: Sequence[AttemptResult]) -> str:
    """'no contestó 3 veces', or each try in order when they differ."""
    said = [_SAID.get(result, result.value) for result in results]
    if not said:
        return "no se pudo contactar"
    if len(set(said)) == 1:
        return f"{said[0]} {len(said)} veces" if len(said) > 1 else said[0]
    return f"sin respuesta en {len(said)} intentos: {', '.join(said)}"


class Redial:
    def __init__(
        self, states: CallStates, attempts: AttemptRepository, windows: CampaignWindows
    ) -> None:
        self._states = states
        self._attempts = attempts
        self._windows = windows

    async def after_unanswered(
        self, call: CallRecord, attempt_no: int, now: dt.datetime
    ) -> CallStatus | None:
        """Schedule the next try, make the call unreachable after the last one, or end
        an inbound call.

        Returns the call's new status, or None when another worker moved it first.
        """
        if call.direction is Direction.INBOUND:
            moved = await self._states.give_up(
                call.id,
                (CallStatus.DIALING, CallStatus.IN_PROGRESS),
                CallStatus.FAILED,
                None,
                _INBOUND_LOST,
                now,
            )
            status = CallStatus.FAILED
        elif attempt_no >= MAX_ATTEMPTS:
            results = [a.result for a in await self._attempts.list(call.id)]
            reason = unreachable_reason([r for r in results if r is not AttemptResult.DIALING])
            moved = await self._states.give_up(
                call.id,
                (CallStatus.DIALING, CallStatus.IN_PROGRESS),
                CallStatus.UNREACHABLE,
                Outcome.UNREACHABLE,
                reason,
                now,
            )
            status = CallStatus.UNREACHABLE
        else:
            window = await self._windows.for_call(call)
            due = window.earliest_open(now + dt.timedelta(seconds=RETRY_DELAY_SECONDS))
            moved = await self._states.schedule_retry(call.id, attempt_no, due)
            status = CallStatus.RETRY_SCHEDULED
        if not moved:
            return None
        _log.info("call_unanswered", call_id=str(call.id), attempt=attempt_no, status=status)
        return status
