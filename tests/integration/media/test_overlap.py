"""What voice agents are most blamed for, played as real-time audio over a real socket.

Five calls at once on one media server, each with something on the driver's line while
Karla speaks, or a pause in his answer: a backchannel, a horn and a truck going by, a noise
the recogniser takes for a word for a moment, her own voice coming back on a speakerphone,
a driver who pauses while saying the date. In every one the call must end as the plain
call would (the trip validated or corrected, once), with the audit telling what was heard.
"""

from __future__ import annotations

import asyncio

from devstack.audio_driver import Noise, Overlap, Speakerphone
from shared.domain.session import Role
from shared.domain.trip import Driver

from ..calls.helpers import mock_trip, mock_writes, trip
from .conftest import CONFIRM, JUAN, place_voice_call

READ_BACK = "Le llamo para confirmar su viaje"

RAMIRO = Driver(driver_id="D-1101", name="Ramiro Salas", phone="+528671234567")
LUIS = Driver(driver_id="D-1201", name="Luis Ortega", phone="+523141234567")
PEDRO = Driver(driver_id="D-1301", name="Pedro Ramírez", phone="+524421234567")
MARTIN = Driver(driver_id="D-1401", name="Martín Cruz", phone="+522291234567")


async def karla_said(stack, call_id: str) -> list[tuple[str, bool]]:
    session = await stack.sessions.get(call_id)
    return [(m.text, m.interrupted) for m in session.messages if m.role is Role.KARLA]


async def driver_turns(stack, call_id: str) -> list[str]:
    return [t.text for t in await stack.audit.turns.list(call_id) if t.speaker.value == "driver"]


async def test_overlaps_and_pauses_never_cost_the_call(voice_stack, media):
    stack = voice_stack
    stack.mock.reset(
        [
            trip("T-5001", "D-1001", "Monterrey, N.L.", "Guadalajara, Jal.", "2026-11-23"),
            trip("T-5101", "D-1101", "Nuevo Laredo, Tamps.", "Ciudad de México", "2026-11-22"),
            trip("T-5201", "D-1201", "Manzanillo, Col.", "Guadalajara, Jal.", "2026-11-23"),
            trip("T-5301", "D-1301", "Querétaro, Qro.", "San Luis Potosí, S.L.P.", "2026-11-23"),
            trip("T-5401", "D-1401", "Veracruz, Ver.", "Puebla, Pue.", "2026-11-20"),
        ]
    )
    backchannel = [*CONFIRM[:2], Overlap(backchannel="Ajá."), CONFIRM[2]]
    noises = [
        "¿Bueno?",
        Overlap(noise=Noise.HORN),
        "Sí, soy yo.",
        Overlap(noise=Noise.ROAD),
        CONFIRM[2],
    ]
    misheard = [*CONFIRM[:2], Overlap(misheard="oiga"), CONFIRM[2]]
    pause = ["¿Bueno?", "Sí, soy yo.", "No, fue el... sábado.", "Sí, así."]
    calls = await asyncio.gather(
        place_voice_call(stack, media, JUAN, "T-5001", backchannel),
        place_voice_call(stack, media, RAMIRO, "T-5101", noises),
        place_voice_call(stack, media, LUIS, "T-5201", misheard),
        place_voice_call(stack, media, PEDRO, "T-5301", CONFIRM, speakerphone=Speakerphone()),
        place_voice_call(stack, media, MARTIN, "T-5401", pause),
    )
    (aja_id, aja), (noise_id, noise), (oiga_id, oiga), (echo_id, echo), (pause_id, paused) = calls

    # A backchannel while she reads the trip back: she goes on, and "ajá" is no turn.
    assert aja.outcome == "confirmed" and aja.recording.clears == 0
    assert await driver_turns(stack, aja_id) == CONFIRM
    said = await karla_said(stack, aja_id)
    assert READ_BACK in said[1][0] and not any(cut for _, cut in said)

    # A horn over her greeting, a truck over her read-back: she never stops.
    assert noise.outcome == "confirmed" and noise.recording.clears == 0
    assert await driver_turns(stack, noise_id) == ["¿Bueno?", "Sí, soy yo.", CONFIRM[2]]
    assert not any(cut for _, cut in await karla_said(stack, noise_id))

    # Words that came to nothing cut her off, then she said the cut sentence again: the
    # line went quiet (a clear) but not silent, and the conversation keeps her whole turn.
    assert oiga.outcome == "confirmed" and oiga.recording.clears == 1
    assert await driver_turns(stack, oiga_id) == CONFIRM
    said = await karla_said(stack, oiga_id)
    assert READ_BACK in said[1][0] and not any(cut for _, cut in said)
    assert len(oiga.recording.turns) == len(said) + 1  # the cut turn, then the repeat
    assert not any(t.interrupted for t in await stack.audit.turns.list(oiga_id))

    # On a speakerphone her own voice comes back into his microphone: it neither cuts her
    # off nor becomes a turn of his.
    assert echo.outcome == "confirmed" and echo.recording.clears == 0
    assert await driver_turns(stack, echo_id) == CONFIRM
    assert not any(cut for _, cut in await karla_said(stack, echo_id))

    # A pause mid-date is not the end of the answer: one turn, the right date.
    assert paused.outcome == "updated"
    assert await driver_turns(stack, pause_id) == pause
    assert mock_trip(stack, "T-5401")["date"] == "2026-11-21"

    assert len(mock_writes(stack)) == 5  # one write per call, none twice
