"""The same call over each wire the server speaks: the transport interface holds.

A Twilio-style media stream (JSON events, base64 mu-law, marks, clear) and the PoC browser
page (Karla's protocol with a 48 kHz microphone) each carry a whole call with a per-call
media token; on Twilio the driver talks over Karla, so the barge-in has to reach the far
end as a `clear` event of that protocol.
"""

from __future__ import annotations

import asyncio

from devstack.phone_wires import BrowserWire, TwilioWire
from shared.domain.session import Role

from ..calls.helpers import mock_trip, mock_writes, trip
from .conftest import BARGE_IN, CONFIRM, FELIPE, JUAN, place_voice_call


async def test_a_twilio_stream_and_a_browser_page_each_carry_a_whole_call(voice_stack, media):
    stack = voice_stack
    stack.mock.reset(
        [
            trip("T-5001", "D-1001", "Monterrey, N.L.", "Guadalajara, Jal.", "2026-11-23"),
            trip("T-6301", "D-2301", "Toluca, Edo. Méx.", "Morelia, Mich.", "2026-11-23"),
        ]
    )
    twilio, browser = TwilioWire(), BrowserWire(48000)
    (twilio_id, over_twilio), (browser_id, over_browser) = await asyncio.gather(
        place_voice_call(
            stack,
            media,
            FELIPE,
            "T-6301",
            BARGE_IN,
            wire=twilio,
            urls=[media.server.url("/twilio")],
        ),
        place_voice_call(
            stack, media, JUAN, "T-5001", CONFIRM, wire=browser, urls=[media.server.url("/browser")]
        ),
    )

    assert (over_twilio.outcome, over_browser.outcome) == ("confirmed", "confirmed")
    assert mock_trip(stack, "T-6301")["status"] == "validated"
    assert mock_trip(stack, "T-5001")["status"] == "validated"
    assert len(mock_writes(stack)) == 2

    # Twilio: the cut reached the far end as a clear event; what he heard is what is kept.
    recording = over_twilio.recording
    assert recording.clears == 1 and recording.marks  # marks went out and came back
    assert recording.closes == [(1000, "call ended")]  # Twilio has no hang-up message
    session = await stack.sessions.get(twilio_id)
    greeting = session.messages[1]
    assert greeting.role is Role.KARLA and greeting.interrupted
    (audited,) = [t for t in await stack.audit.turns.list(twilio_id) if t.seq == 1]
    assert audited.interrupted and audited.text == greeting.text

    # The browser: its 48 kHz microphone was heard at 8 kHz, turn by turn.
    driver_turns = [
        t.text for t in await stack.audit.turns.list(browser_id) if t.speaker.value == "driver"
    ]
    assert driver_turns == CONFIRM
    assert over_browser.recording.clears == 0 and over_browser.recording.hangup == "hangup"
