"""A media server dies mid-call; the telephony reconnects to another one; the call goes on.

Two servers share the stores (Redis sessions, Postgres audit), as two ECS tasks would. The
first is aborted like a crashed process (every socket dropped, every call task gone, nothing
closed cleanly); the simulated driver reconnects with the same media token to the second,
and finishes the call there.
"""

from __future__ import annotations

import asyncio
import dataclasses

from devstack.media_link import serving_media, stack_services
from media_server.providers.errors import SttError
from media_server.providers.stt.base import SttProvider, SttStream
from media_server.server import MediaServer
from shared.domain.sentences import split_sentences
from shared.domain.session import CallSession, Role
from shared.tools.dispatcher import ToolCall, ToolDispatcher, ToolOutcome

from ..calls.helpers import mock_trip, mock_writes, trip
from .conftest import CONFIRM, FELIPE, JUAN, place_voice_call


def writes_to(stack, trip_id: str) -> list[dict]:
    return [w for w in mock_writes(stack) if w["path"] == f"/trips/{trip_id}"]


async def assert_resumed_once(stack, call_id: str, result, trip_id: str = "T-5001") -> None:
    """The call as if no server had died: greeted once, written once, audited in full."""
    assert result.recording.reconnects == 1
    assert result.recording.closes[1] == (1000, "call ended")
    assert result.outcome == "confirmed"
    assert mock_trip(stack, trip_id)["status"] == "validated"
    assert len([w for w in writes_to(stack, trip_id) if not w["replayed"]]) == 1  # once
    session = await stack.sessions.get(call_id)
    karla = [m.text for m in session.messages if m.role is Role.KARLA]
    assert len(karla) == 3
    assert sum("¿Hablo con" in text for text in karla) == 1  # greeted once, not again
    turns = await stack.audit.turns.list(call_id)
    assert [t.speaker.value for t in turns] == ["driver", "karla"] * 3
    assert [t.text for t in turns if t.speaker.value == "driver"] == CONFIRM
    record = await stack.audit.calls.get(call_id)
    assert (record.status, record.outcome) == ("completed", "confirmed")
    assert record.usage.stt_audio_seconds > 0
    # Every sentence she said is billed once, on whichever server said it.
    assert record.usage.tts_characters == sum(len(s) for t in karla for s in split_sentences(t))


async def test_a_call_resumes_on_another_server_without_repeating_or_writing_twice(
    voice_stack, media
):
    stack = voice_stack
    stack.mock.reset(
        [trip("T-5001", "D-1001", "Monterrey, N.L.", "Guadalajara, Jal.", "2026-11-23")]
    )
    async with serving_media(stack, media.channels) as second:

        async def crash_first_server(karla_turns_heard: int) -> None:
            if karla_turns_heard == 2:  # greeting and read-back heard: the first server dies
                media.server.abort()

        call_id, result = await place_voice_call(
            stack,
            media,
            JUAN,
            "T-5001",
            CONFIRM,
            urls=[*media.urls, *second.urls],
            on_karla_turn=crash_first_server,
        )

    await assert_resumed_once(stack, call_id, result)
    (tool,) = await stack.audit.tool_calls.list(call_id)
    assert (tool.tool, tool.readiness) == ("validar_viaje", "ready")


class DiesAfterTheWrite:
    """The ToolDispatcher of a server that dies the moment a write has landed in the
    client's system, before the call session could record it."""

    def __init__(self, tools: ToolDispatcher) -> None:
        self._tools = tools
        self.server: MediaServer | None = None

    async def dispatch(self, session: CallSession, call: ToolCall) -> ToolOutcome:
        await self._tools.dispatch(session, call)
        assert self.server is not None
        self.server.abort()
        await asyncio.Event().wait()  # this process is gone: nothing after the write runs
        raise AssertionError("unreachable")


class RefusedOnce:
    """An STT vendor that refuses the first stream of a call (an outage, a bad deploy)."""

    name = "refused-once"

    def __init__(self, then: SttProvider) -> None:
        self._then = then
        self.refused = 0

    async def open(self, *, language: str = "es", sample_rate: int = 8000) -> SttStream:
        if not self.refused:
            self.refused += 1
            raise SttError(self.name, "connection refused (HTTP 503)")
        return await self._then.open(language=language, sample_rate=sample_rate)


async def test_a_server_failing_mid_call_hands_the_call_on_whole(voice_stack, media):
    """Two ways a server fails a call, at once on two calls; each is finished by `media`.

    Juan said "sí, todo correcto", the trip was validated, and his server died before
    Karla answered: the next server answers him at once (no silence to sit out) and replays
    the write under the same idempotency key, so the client system sees it once. Felipe's
    server could not open its STT stream: it closed the socket with 1013 (try again later),
    not the call, and the reconnect picked the call up with a fresh pipeline."""
    stack = voice_stack
    stack.mock.reset(
        [
            trip("T-5001", "D-1001", "Monterrey, N.L.", "Guadalajara, Jal.", "2026-11-23"),
            trip("T-6301", "D-2301", "Toluca, Edo. Méx.", "Morelia, Mich.", "2026-11-23"),
        ]
    )
    services = stack_services(stack, media.channels)
    assert services.stores is not None
    dying = DiesAfterTheWrite(stack.dispatcher)
    stores = dataclasses.replace(services.stores, tools=dying)
    dies = MediaServer(dataclasses.replace(services, stores=stores))
    dying.server = dies
    refusing: dict[str, RefusedOnce] = {}

    def stt_for(call_id: str) -> SttProvider:
        return refusing.setdefault(call_id, RefusedOnce(media.channels.stt_for(call_id)))

    fails = MediaServer(dataclasses.replace(services, stt_for=stt_for))
    await dies.start("127.0.0.1", 0)
    await fails.start("127.0.0.1", 0)
    try:
        (juan_id, juan), (felipe_id, felipe) = await asyncio.gather(
            place_voice_call(
                stack, media, JUAN, "T-5001", CONFIRM, urls=[dies.url("/media"), *media.urls]
            ),
            place_voice_call(
                stack, media, FELIPE, "T-6301", CONFIRM, urls=[fails.url("/media"), *media.urls]
            ),
        )
    finally:
        await fails.stop()
        dies.abort()  # already gone, unless the test failed first

    await assert_resumed_once(stack, juan_id, juan)
    written, replayed = writes_to(stack, "T-5001")
    assert replayed["replayed"] and replayed["idempotency_key"] == written["idempotency_key"]
    dispatched = await stack.audit.tool_calls.list(juan_id)
    assert [(t.tool, t.readiness) for t in dispatched] == [("validar_viaje", "ready")] * 2
    session = await stack.sessions.get(juan_id)
    assert [m.tool_name for m in session.messages if m.role is Role.TOOL] == ["validar_viaje"]

    await assert_resumed_once(stack, felipe_id, felipe, "T-6301")
    assert refusing[felipe_id].refused == 1
    assert felipe.recording.closes[0] == (
        1013,
        "the call failed on this server; reconnect to resume",
    )
