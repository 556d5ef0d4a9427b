"""One whole call as audio through the media server: the voice twin of `text_calls`.

The call takes the production path from the moment the phone is answered: the dispatcher
opens the session (trip pinned) and issues the media token; the simulated driver connects
to the media server as the RingCentral bridge would and talks in real time; the server's
pipeline (VAD, offline STT, turn-taking, agent, TTS, pacing, barge-in) runs the
conversation and writes the audit, and closes the call record when Karla hangs up.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from media_server.pipeline.conversation import ToolReport
from shared.calls.lifecycle import CallParty
from shared.calls.media_tokens import issue, token_id
from shared.domain.call import CallStatus, Outcome
from shared.domain.session import CallSession
from shared.observability.logging import bind_call

from .audio_driver import AudioDriver, CallPlace, Recording, ScriptItem, Speakerphone
from .media_link import SttChannels
from .phone_wires import PhoneWire
from .simulated_driver import PlayedCall, TranscriptLine
from .stack import Clock, LocalStack


@dataclass(frozen=True)
class VoiceCallResult:
    played: PlayedCall
    session: CallSession
    outcome: Outcome
    recording: Recording


async def issue_media_token(stack: LocalStack, call_id: str) -> str:
    """What the dispatcher does when it dials: a signed token, bound to the call in Redis."""
    settings = stack.settings
    token = issue(
        call_id,
        settings.media_token_secret.get_secret_value(),
        settings.media_token_ttl_seconds,
        time.time(),
    )
    await stack.sessions.bind_media_token(token_id(token), call_id)
    return token


async def run_voice_call(
    stack: LocalStack,
    media_urls: Sequence[str],
    channels: SttChannels,
    call_id: str,
    party: CallParty,
    trip_id: str | None,
    script: Sequence[ScriptItem],
    clock: Clock,
    *,
    attempt_no: int = 1,
    seconds_per_character: float | None = None,
    wire: PhoneWire | None = None,
    speakerphone: Speakerphone | None = None,
    on_karla_turn: Callable[[int], Awaitable[None]] | None = None,
) -> VoiceCallResult:
    """Dial call `call_id` (its calls row must exist) and let the driver play `script`.

    `clock` sets the call's own time (what "ayer" means, as in a scenario placed in the
    past); the audit's timestamps are real time, as the media server writes them.

    `media_urls` lists the media servers to try in turn: the first takes the call, the
    next ones take it over if a server dies mid-call; `wire` is how they are spoken to
    (Karla's protocol unless told). `seconds_per_character` sets how fast the driver
    talks; on a `speakerphone` Karla's voice comes back into his microphone.
    """
    bind_call(call_id)
    await stack.lifecycle.open_session(call_id, party, trip_id, clock())
    token = await issue_media_token(stack, call_id)
    await stack.audit.attempts.start(call_id, attempt_no)
    await stack.audit.attempts.finish(call_id, attempt_no, "answered")
    # The media server stamps the audit with real time, so the answer time is real too.
    answered = stack.wall_clock()()
    await stack.audit.calls.set_status(call_id, CallStatus.IN_PROGRESS, started_at=answered)
    place = CallPlace(media_urls, token, f"sim-{call_id[:8]}", party.driver.phone)
    driver = AudioDriver(
        place,
        script,
        channels.channel(call_id),
        wire=wire,
        seconds_per_character=seconds_per_character,
        speakerphone=speakerphone,
        on_karla_turn=on_karla_turn,
    )
    try:
        recording = await driver.run()
    finally:
        channels.forget(call_id)
    session = await stack.sessions.get(call_id)
    assert session is not None, f"call {call_id} lost its session"
    record = await stack.audit.calls.get(call_id)
    if record is None or not CallStatus(record.status).is_final:
        # The driver gave up before Karla hung up: close the record as the webhook would.
        await stack.lifecycle.finish(session, stack.wall_clock()())
        record = await stack.audit.calls.get(call_id)
    assert record is not None and record.outcome is not None
    return VoiceCallResult(
        await _played(stack, call_id), session, Outcome(record.outcome), recording
    )


async def _played(stack: LocalStack, call_id: str) -> PlayedCall:
    """The call as the audit tells it: what was heard, by whom, and the tools run."""
    played = PlayedCall()
    for turn in await stack.audit.turns.list(call_id):
        latency = turn.latency or {}
        played.transcript.append(
            TranscriptLine(
                turn.speaker.value,
                turn.text or ("(silencio)" if turn.speaker.value == "driver" else ""),
                turn.interrupted,
                latency.get("voice_to_voice_ms") or latency.get("agent_ms"),
            )
        )
    for tool in await stack.audit.tool_calls.list(call_id):
        played.tools.append(ToolReport(tool.tool, tool.args, tool.readiness, tool.result or {}))
    return played
