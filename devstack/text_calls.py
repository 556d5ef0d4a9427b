"""One whole call as text: session opened, script played, outcome audited.

This is the path a real call takes once the driver is on the line, with text where the
media plane has STT and TTS: call session in Redis -> agent -> ToolDispatcher -> client
API over HTTP -> audit rows in Postgres.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.calls.lifecycle import CallParty
from shared.domain.call import CallStatus, Outcome
from shared.domain.session import CallSession
from shared.observability.logging import bind_call
from shared.observability.metrics import LIVE_CALLS

from .eval.scenario import DriverLine
from .simulated_driver import PlayedCall, play_script
from .stack import Clock, LocalStack


@dataclass(frozen=True)
class TextCallResult:
    played: PlayedCall
    session: CallSession
    outcome: Outcome


async def run_text_call(
    stack: LocalStack,
    call_id: str,
    party: CallParty,
    trip_id: str | None,
    script: Sequence[DriverLine],
    clock: Clock,
    attempt_no: int = 1,
) -> TextCallResult:
    """Play `script` as the driver of call `call_id` (its calls row must exist)."""
    bind_call(call_id)
    started = clock()
    session = await stack.lifecycle.open_session(call_id, party, trip_id, started)
    await stack.audit.attempts.start(call_id, attempt_no)
    await stack.audit.attempts.finish(call_id, attempt_no, "answered")
    await stack.audit.calls.set_status(call_id, CallStatus.IN_PROGRESS, started_at=started)
    LIVE_CALLS.inc()
    try:
        played = await play_script(stack.conversation(call_id, clock), script)
    finally:
        LIVE_CALLS.dec()
    session = await stack.sessions.get(call_id) or session
    outcome = await stack.lifecycle.finish(session, clock())
    return TextCallResult(played, session, outcome)
