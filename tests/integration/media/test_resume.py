"""A media server dies mid-call; the telephony reconnects to another one; the call goes on.

Two servers share the stores (Redis sessions, Postgres audit), as two ECS tasks would. The
first is aborted like a crashed process right after Karla's second turn; the simulated
driver reconnects with the same media token to the second, and finishes the call there.
"""

from __future__ import annotations

from devstack.media_link import serving_media
from shared.domain.session import Role
from shared.domain.trip import Driver

from ..calls.helpers import mock_trip, mock_writes, trip
from .conftest import place_voice_call

JUAN = Driver(driver_id="D-1001", name="Juan Pérez", phone="+528112345678")
LINES = ["¿Bueno?", "Sí, soy yo.", "Sí, así es, todo correcto."]


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
            LINES,
            urls=[*media.urls, *second.urls],
            on_karla_turn=crash_first_server,
        )

    assert result.recording.reconnects == 1
    assert result.outcome == "confirmed"
    assert mock_trip(stack, "T-5001")["status"] == "validated"
    assert len(mock_writes(stack)) == 1
    session = await stack.sessions.get(call_id)
    karla = [m.text for m in session.messages if m.role is Role.KARLA]
    assert len(karla) == 3
    assert sum("¿Hablo con" in text for text in karla) == 1  # greeted once, not again
    turns = await stack.audit.turns.list(call_id)
    assert [t.speaker.value for t in turns] == ["driver", "karla"] * 3
    assert [t.text for t in turns if t.speaker.value == "driver"] == LINES
    (tool,) = await stack.audit.tool_calls.list(call_id)
    assert (tool.tool, tool.readiness) == ("validar_viaje", "ready")
