"""Whole calls as audio through the media server on loopback, with the offline providers.

Four calls run at once: a plain confirmation and one where the driver talks over Karla,
over Karla's own protocol (as the RingCentral bridge speaks it); the barge-in again over a
Twilio-style media stream (JSON events, base64 mu-law, marks, and the cut as its `clear`
event) and the confirmation over the PoC browser wire (a 48 kHz microphone), which shows
the transport interface holds. Calls on one server do not disturb each other; `/metrics`
is read before, during and after to prove it reflects what the pipeline did.
"""

from __future__ import annotations

import asyncio

import httpx

from devstack.audio_driver import voice_frames
from devstack.phone_wires import BrowserWire, TwilioWire
from shared.domain.sentences import split_sentences
from shared.domain.trip import Driver

from ..calls.helpers import mock_trip, mock_writes, trip
from .conftest import (
    BARGE_IN,
    CONFIRM,
    DRIVER_SECONDS_PER_CHARACTER,
    FELIPE,
    JUAN,
    place_voice_call,
)

LUIS = Driver(driver_id="D-1201", name="Luis Ortega", phone="+523141234567")
ARTURO = Driver(driver_id="D-2401", name="Arturo León", phone="+524611234567")
PIPELINE_METRICS = (
    "karla_stt_latency_seconds_count",
    "karla_llm_first_token_seconds_count",
    "karla_llm_total_seconds_count",
    "karla_tts_first_byte_seconds_count",
    "karla_voice_to_voice_seconds_count",
    "karla_barge_ins_total",
)


def sample(metrics: str, name: str) -> float:
    return sum(float(line.split()[-1]) for line in metrics.splitlines() if line.startswith(name))


async def scrape(media, settings) -> str:
    token = settings.api_token.get_secret_value()
    async with httpx.AsyncClient() as http:
        response = await http.get(
            f"http://127.0.0.1:{media.server.port}/metrics",
            headers={"Authorization": f"Bearer {token}"},
        )
    response.raise_for_status()
    return response.text


async def test_calls_as_audio_over_every_wire_confirm_the_trip_and_honour_a_barge_in(
    voice_stack, media, voice_settings
):
    stack = voice_stack
    stack.mock.reset(
        [
            trip("T-5001", "D-1001", "Monterrey, N.L.", "Guadalajara, Jal.", "2026-11-23"),
            trip("T-6301", "D-2301", "Toluca, Edo. Méx.", "Morelia, Mich.", "2026-11-23"),
            trip("T-5201", "D-1201", "Manzanillo, Col.", "Guadalajara, Jal.", "2026-11-23"),
            trip("T-6401", "D-2401", "Toluca, Edo. Méx.", "Morelia, Mich.", "2026-11-23"),
        ]
    )
    before = await scrape(media, voice_settings)
    during: list[str] = []

    async def scrape_mid_call(karla_turns_heard: int) -> None:
        if karla_turns_heard == 1:
            during.append(await scrape(media, voice_settings))

    twilio_url, browser_url = media.server.url("/twilio"), media.server.url("/browser")
    calls = await asyncio.gather(
        place_voice_call(stack, media, JUAN, "T-5001", CONFIRM, on_karla_turn=scrape_mid_call),
        place_voice_call(stack, media, FELIPE, "T-6301", BARGE_IN),
        place_voice_call(
            stack, media, ARTURO, "T-6401", BARGE_IN, wire=TwilioWire(), urls=[twilio_url]
        ),
        place_voice_call(
            stack, media, LUIS, "T-5201", CONFIRM, wire=BrowserWire(48000), urls=[browser_url]
        ),
    )
    (confirm_id, confirm), (barge_id, barged), (twilio_id, twilio), (browser_id, browser) = calls
    after = await scrape(media, voice_settings)

    # The client system: every trip validated, one write each.
    assert {result.outcome for _, result in calls} == {"confirmed"}
    for trip_id in ("T-5001", "T-6301", "T-6401", "T-5201"):
        assert mock_trip(stack, trip_id)["status"] == "validated"
    assert len(mock_writes(stack)) == 4

    # The audit of the plain call: every turn, in order, with its latencies and usage.
    turns = await stack.audit.turns.list(confirm_id)
    assert [t.speaker.value for t in turns] == ["driver", "karla"] * 3
    assert [t.seq for t in turns] == sorted({t.seq for t in turns})  # in order, none twice
    assert [t.text for t in turns if t.speaker.value == "driver"] == CONFIRM
    assert "Juan Pérez" in turns[1].text and "Guadalajara" in turns[3].text
    assert not any(t.interrupted for t in turns)
    for karla in turns[1::2]:
        assert {"agent_ms", "voice_to_voice_ms", "stt_ms", "tts_first_byte_ms"} <= set(
            karla.latency
        )
        assert karla.latency["voice_to_voice_ms"] is not None
    record = await stack.audit.calls.get(confirm_id)
    assert (record.status, record.outcome) == ("completed", "confirmed")
    # The STT got his utterances (with the VAD's pre-roll and end hangover), not the call's
    # silences nor the time Karla spoke: 20 ms frames went up the line all call long.
    uttered = sum(len(voice_frames(line, DRIVER_SECONDS_PER_CHARACTER)) + 30 for line in CONFIRM)
    assert 0 < record.usage.stt_audio_seconds <= uttered * 0.02
    spoken = [s for t in turns[1::2] for s in split_sentences(t.text)]
    assert record.usage.tts_characters == sum(len(sentence) for sentence in spoken)
    assert record.cost_usd is not None
    assert confirm.recording.hangup == "hangup" and confirm.recording.clears == 0

    # The barge-in: Karla was cut, and only what the driver heard stays, in context and audit.
    barge_turns = await stack.audit.turns.list(barge_id)
    greeting = barge_turns[1]
    assert greeting.speaker.value == "karla" and greeting.interrupted
    full = "¡Hola, buen día, le habla Karla de Transportes del Norte! ¿Hablo con Felipe Navarro?"
    assert full.startswith(greeting.text) and greeting.text != full
    session = await stack.sessions.get(barge_id)
    assert session.messages[1].interrupted and session.messages[1].text == greeting.text
    assert barged.recording.clears == 1
    assert [t.text for t in barge_turns if t.speaker.value == "driver"][1].startswith("Sí, sí")

    # Twilio: the cut reached the far end as a clear event; what he heard is what is kept.
    assert twilio.recording.clears == 1 and twilio.recording.marks  # marks went and came back
    assert twilio.recording.closes == [(1000, "call ended")]  # Twilio has no hang-up message
    session = await stack.sessions.get(twilio_id)
    (audited,) = [t for t in await stack.audit.turns.list(twilio_id) if t.seq == 1]
    assert session.messages[1].interrupted and audited.interrupted
    assert audited.text == session.messages[1].text

    # The browser: its 48 kHz microphone was heard at 8 kHz, turn by turn.
    browser_turns = await stack.audit.turns.list(browser_id)
    assert [t.text for t in browser_turns if t.speaker.value == "driver"] == CONFIRM
    assert browser.recording.clears == 0 and browser.recording.hangup == "hangup"

    # /metrics moved with the pipeline, and no call is left live.
    for name in PIPELINE_METRICS:
        assert sample(after, name) > sample(before, name), name
    assert sample(after, "karla_barge_ins_total") - sample(before, "karla_barge_ins_total") == 2
    assert sample(during[0], "karla_live_calls") >= 1
    assert sample(after, "karla_live_calls") == 0
