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
from .conftest import CONFIRM, JUAN, place_voice_call


async def assert_resumed_once(stack, call_id: str, result) -> None:
    """The call as if no server had died: greeted once, written once, audited in full."""
    assert result.recording.reconnects == 1
    assert result.recording.closes[1] == (1000, "call ended")
    assert result.outcome == "confirmed"
    assert mock_trip(stack, "T-5001")["status"] == "validated"
    assert len([w for w in mock_writes(stack) if not w["replayed"]]) == 1  # written once
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


async def test_a_server_dying_between_the_write_and_the_reply_leaves_one_write_and_the_reply(
    voice_stack, media
):
    """The driver said "sí, todo correcto", the trip was validated, and the server died
    before Karla answered. The next server answers him at once (no silence to sit out) and
    replays the write under the same idempotency key: the client system sees it once."""
    stack = voice_stack
    stack.mock.reset(
        [trip("T-5001", "D-1001", "Monterrey, N.L.", "Guadalajara, Jal.", "2026-11-23")]
    )
    services = stack_services(stack, media.channels)
    assert services.stores is not None
    dying = DiesAfterTheWrite(stack.dispatcher)
    stores = dataclasses.replace(services.stores, tools=dying)
    first = MediaServer(dataclasses.replace(services, stores=stores))
    dying.server = first
    await first.start("127.0.0.1", 0)

    call_id, result = await place_voice_call(
        stack, media, JUAN, "T-5001", CONFIRM, urls=[first.url("/media"), *media.urls]
    )

    await assert_resumed_once(stack, call_id, result)
    first, replayed = mock_writes(stack)
    assert replayed["replayed"] and replayed["idempotency_key"] == first["idempotency_key"]
    dispatched = await stack.audit.tool_calls.list(call_id)
    assert [(t.tool, t.readiness) for t in dispatched] == [("validar_viaje", "ready")] * 2
    session = await stack.sessions.get(call_id)
    assert [m.tool_name for m in session.messages if m.role is Role.TOOL] == ["validar_viaje"]


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


async def test_a_call_that_fails_on_a_server_is_handed_back_to_resume(voice_stack, media):
    """A provider failing mid-call ends the socket with 1013 (try again later), not the call:
    the bridge reconnects, and a fresh pipeline picks the call up where it was."""
    stack = voice_stack
    stack.mock.reset(
        [trip("T-5001", "D-1001", "Monterrey, N.L.", "Guadalajara, Jal.", "2026-11-23")]
    )
    services = stack_services(stack, media.channels)
    flaky: dict[str, RefusedOnce] = {}

    def stt_for(call_id: str) -> SttProvider:
        return flaky.setdefault(call_id, RefusedOnce(media.channels.stt_for(call_id)))

    server = MediaServer(dataclasses.replace(services, stt_for=stt_for))
    await server.start("127.0.0.1", 0)
    try:
        call_id, result = await place_voice_call(
            stack, media, JUAN, "T-5001", CONFIRM, urls=[server.url("/media")] * 2
        )
    finally:
        await server.stop()

    assert flaky[call_id].refused == 1
    assert result.recording.closes == [
        (1013, "the call failed on this server; reconnect to resume"),
        (1000, "call ended"),
    ]
    assert result.outcome == "confirmed"
    assert [t.text for t in await stack.audit.turns.list(call_id)][::2] == CONFIRM
