"""ElevenLabsTts against the local fake: the stream-input socket and the SDK's HTTP stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal, NamedTuple

import pytest

from devstack.fakes.elevenlabs_fake import ElevenLabsFake
from devstack.fakes.script import Latency
from media_server.audio.codec import mulaw_to_pcm16
from media_server.providers.errors import TtsError
from media_server.providers.tts.elevenlabs import ElevenLabsTts
from media_server.providers.tts.factory import build_tts
from shared.config import load_settings

from .conftest import API_KEY, GUARD_SECONDS, drain, eventually, histogram_count

SENTENCES = ["Hola, ¿hablo con Juan Pérez?", "Le llamo de Transportes del Norte."]


class Served(NamedTuple):
    fake: ElevenLabsFake
    url: str


@pytest.fixture
async def elevenlabs() -> AsyncIterator[Served]:
    fake = ElevenLabsFake(api_key=API_KEY)
    async with fake.running() as url:
        yield Served(fake, url)


def tts(served: Served, transport: Literal["websocket", "http"] = "websocket") -> ElevenLabsTts:
    return ElevenLabsTts(
        api_key=API_KEY, voice_id="voz-karla", base_url=served.url, transport=transport
    )


async def speak_turn(stream, sentences=SENTENCES) -> bytes:
    for sentence in sentences:
        await stream.send_text(sentence)
    await stream.end_input()
    return await drain(stream.audio())


async def test_socket_gets_init_each_sentence_flushed_then_end_of_input(elevenlabs: Served):
    stream = await tts(elevenlabs).open(sample_rate=8000)
    await speak_turn(stream)

    session = elevenlabs.fake.sessions[0]
    assert session.voice_id == "voz-karla"
    assert session.headers["xi-api-key"] == API_KEY
    assert session.query == {
        "model_id": "eleven_flash_v2_5",
        "output_format": "ulaw_8000",
        "language_code": "es",
    }
    init, *texts, end = session.messages
    assert init["text"] == " "
    assert set(init["voice_settings"]) >= {"stability", "similarity_boost"}
    assert texts == [{"text": f"{s} ", "flush": True} for s in SENTENCES]
    assert end == {"text": ""}
    assert session.final_sent and not session.client_left_early


async def test_socket_audio_is_pcm16_8k_as_long_as_the_text_and_characters_count(
    elevenlabs: Served,
):
    before = histogram_count("karla_tts_first_byte_seconds", "elevenlabs")
    stream = await tts(elevenlabs).open()

    audio = await speak_turn(stream)

    samples = sum(elevenlabs.fake.samples_for(s) for s in SENTENCES)
    assert len(audio) == 2 * samples  # mu-law decoded: two bytes a sample at 8 kHz
    assert audio == _pcm_of(elevenlabs.fake, SENTENCES)
    assert stream.characters == sum(len(s) for s in SENTENCES)
    assert histogram_count("karla_tts_first_byte_seconds", "elevenlabs") == before + 1


async def test_a_fake_with_vendor_latency_delivers_every_sentence_in_order():
    latency = Latency(first_event_seconds=0.05, between_chunks_seconds=0.01)
    fake = ElevenLabsFake(api_key=API_KEY, latency=latency)
    async with fake.running() as url:
        stream = await tts(Served(fake, url)).open()
        audio = await speak_turn(stream)

    assert audio == _pcm_of(fake, SENTENCES)


async def test_cancel_mid_turn_stops_the_audio_and_closes_the_socket(elevenlabs: Served):
    elevenlabs.fake.stall_after_chunks = 2  # the rest would come only if the client stayed
    stream = await tts(elevenlabs).open()
    await stream.send_text("Le confirmo que su viaje sale de Monterrey hacia Guadalajara hoy.")

    chunks = []
    async for chunk in stream.audio():
        chunks.append(chunk)
        await stream.cancel()

    session = elevenlabs.fake.sessions[0]
    await eventually(lambda: session.client_left_early)
    assert len(chunks) == 1
    assert session.chunks_sent == 2 and not session.final_sent
    assert await drain(stream.audio()) == b""  # ended for good
    await stream.send_text("Ya no se oye.")  # after a barge-in, text is dropped quietly
    assert len(session.messages) == 2


async def test_the_model_follows_tts_model_for_the_proof_of_concept(elevenlabs: Served):
    settings = load_settings(
        tts_provider="elevenlabs",
        elevenlabs_api_key=API_KEY,
        elevenlabs_voice_id="voz-karla",
        elevenlabs_base_url=elevenlabs.url,
        tts_model="eleven_turbo_v2_5",
    )
    await speak_turn(await build_tts(settings).open())

    assert elevenlabs.fake.sessions[0].query["model_id"] == "eleven_turbo_v2_5"


async def test_a_refused_key_surfaces_as_tts_error(elevenlabs: Served):
    stream = await ElevenLabsTts(
        api_key="nope", voice_id="voz-karla", base_url=elevenlabs.url
    ).open()
    await stream.send_text("Hola.")

    with pytest.raises(TtsError, match="Invalid API key"):
        await drain(stream.audio())


async def test_http_leg_posts_each_sentence_through_the_sdk(elevenlabs: Served):
    stream = await tts(elevenlabs, transport="http").open()

    audio = await speak_turn(stream)

    first, second = elevenlabs.fake.requests
    assert first.headers["xi-api-key"] == API_KEY
    assert first.query["output_format"] == "ulaw_8000"
    assert (first.voice_id, first.body["model_id"], first.body["language_code"]) == (
        "voz-karla",
        "eleven_flash_v2_5",
        "es",
    )
    assert [first.body["text"], second.body["text"]] == SENTENCES
    assert second.body["previous_text"] == SENTENCES[0]
    assert audio == _pcm_of(elevenlabs.fake, SENTENCES)
    assert stream.characters == sum(len(s) for s in SENTENCES)


async def test_http_leg_at_16k_asks_for_pcm_and_passes_it_through(elevenlabs: Served):
    stream = await tts(elevenlabs, transport="http").open(sample_rate=16000)

    audio = await speak_turn(stream, SENTENCES[:1])

    assert elevenlabs.fake.requests[0].query["output_format"] == "pcm_16000"
    assert audio == elevenlabs.fake.audio_for(SENTENCES[0], "pcm_16000")


async def test_http_leg_cancel_mid_sentence_ends_the_audio():
    fake = ElevenLabsFake(api_key=API_KEY, latency=Latency(between_chunks_seconds=GUARD_SECONDS))
    async with fake.running() as url:
        stream = await tts(Served(fake, url), transport="http").open()
        await stream.send_text(SENTENCES[1])

        chunks = []
        async for chunk in stream.audio():
            chunks.append(chunk)
            await stream.cancel()

    assert len(chunks) == 1


async def test_http_leg_server_error_surfaces_as_tts_error(elevenlabs: Served):
    elevenlabs.fake.fail_next(500)
    stream = await tts(elevenlabs, transport="http").open()
    await stream.send_text("Hola.")
    await stream.end_input()

    with pytest.raises(TtsError, match="HTTP 500"):
        await drain(stream.audio())


def _pcm_of(fake: ElevenLabsFake, sentences: list[str]) -> bytes:
    return b"".join(mulaw_to_pcm16(fake.audio_for(s, "ulaw_8000")) for s in sentences)
