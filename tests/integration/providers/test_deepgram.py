"""DeepgramStt through deepgram-sdk's async Listen v1 socket, against the local fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import NamedTuple

import pytest

from devstack.fakes.deepgram_fake import DeepgramFake, Failure, Utterance
from devstack.fakes.script import Latency
from media_server.providers.errors import SttError
from media_server.providers.stt.deepgram import DeepgramStt
from media_server.providers.stt.factory import build_stt
from shared.config import load_settings

from .conftest import API_KEY, eventually, histogram_count, speak, until_speech_final


class Served(NamedTuple):
    fake: DeepgramFake
    url: str
    stt: DeepgramStt


@pytest.fixture
async def deepgram() -> AsyncIterator[Served]:
    fake = DeepgramFake(api_key=API_KEY)
    async with fake.running() as url:
        yield Served(fake, url, DeepgramStt(api_key=API_KEY, base_url=url))


async def test_the_socket_asks_for_nova_2_spanish_linear16_8k_with_the_key(deepgram: Served):
    stream = await deepgram.stt.open(language="es", sample_rate=8000)
    await stream.close()

    session = deepgram.fake.sessions[0]
    assert session.headers["authorization"] == f"Token {API_KEY}"
    assert {k: v.lower() for k, v in session.query.items()} == {
        "model": "nova-2",
        "language": "es",
        "encoding": "linear16",
        "sample_rate": "8000",
        "channels": "1",
        "interim_results": "true",
        "endpointing": "300",
        "utterance_end_ms": "1000",
        "smart_format": "true",
        "punctuate": "true",
    }
    assert session.controls == ["CloseStream"]


async def test_interim_then_final_with_speech_final(deepgram: Served):
    deepgram.fake.enqueue(Utterance("Sí, soy Juan Pérez.", after_seconds=0.6, confidence=0.91))
    stream = await deepgram.stt.open()
    await speak(stream, 0.6)

    interim, final = await until_speech_final(stream)
    await stream.close()

    assert (interim.text, interim.is_final, interim.speech_final) == ("Sí, soy", False, False)
    assert (final.text, final.is_final, final.speech_final) == ("Sí, soy Juan Pérez.", True, True)
    assert (final.start_seconds, final.end_seconds, final.confidence) == (0.0, 0.6, 0.91)
    assert [t async for t in stream.transcripts()] == []  # ended by close


async def test_a_fake_with_vendor_latency_keeps_the_results_in_order():
    fake = DeepgramFake(api_key=API_KEY, latency=Latency(first_event_seconds=0.05))
    fake.enqueue(Utterance("Ya voy llegando.", after_seconds=0.4))
    async with fake.running() as url:
        stream = await DeepgramStt(api_key=API_KEY, base_url=url).open()
        await speak(stream, 0.4)
        transcripts = await until_speech_final(stream)
        await stream.close()

    assert [(t.text, t.speech_final) for t in transcripts] == [
        ("Ya", False),
        ("Ya voy llegando.", True),
    ]


async def test_finalize_sends_finalize_and_its_final_ends_the_utterance(deepgram: Served):
    deepgram.fake.enqueue(Utterance("Voy a Monterrey"))  # no endpointing: only Finalize ends it
    stream = await deepgram.stt.open()
    before = histogram_count("karla_stt_latency_seconds", "deepgram")
    await speak(stream, 0.5)
    await stream.finalize()

    transcripts = await until_speech_final(stream)
    await stream.close()

    assert transcripts[-1].text == "Voy a Monterrey"
    assert transcripts[-1].is_final and transcripts[-1].speech_final
    assert deepgram.fake.sessions[0].controls == ["Finalize", "CloseStream"]
    assert histogram_count("karla_stt_latency_seconds", "deepgram") == before + 1


async def test_finalize_with_nothing_pending_still_ends_the_utterance(deepgram: Served):
    stream = await deepgram.stt.open()
    await stream.finalize()

    (transcript,) = await until_speech_final(stream)
    await stream.close()

    assert (transcript.text, transcript.is_final, transcript.speech_final) == ("", True, True)


async def test_utterance_end_closes_words_that_endpointing_never_closed(deepgram: Served):
    deepgram.fake.enqueue(Utterance("Pues no sé", after_seconds=0.4, speech_final=False))
    stream = await deepgram.stt.open()
    await speak(stream, 0.4)

    *_, words, end = await until_speech_final(stream)
    await stream.close()

    assert (words.text, words.is_final, words.speech_final) == ("Pues no sé", True, False)
    assert (end.text, end.is_final, end.speech_final) == ("", True, True)


async def test_audio_seconds_count_the_bytes_sent(deepgram: Served):
    stream = await deepgram.stt.open()
    await speak(stream, 1.5)
    await stream.send(b"\x00" * 800)  # any length, not only whole frames
    await stream.close()

    assert stream.audio_seconds == pytest.approx(1.55)
    assert deepgram.fake.sessions[0].audio_bytes == 1.55 * 16000


async def test_keepalive_goes_out_while_no_audio_is_sent(deepgram: Served):
    stt = DeepgramStt(api_key=API_KEY, base_url=deepgram.url, keepalive_seconds=0.05)
    stream = await stt.open()
    await speak(stream, 0.1)

    await eventually(lambda: "KeepAlive" in deepgram.fake.sessions[0].controls)
    await stream.close()


async def test_a_server_close_surfaces_as_stt_error(deepgram: Served):
    deepgram.fake.enqueue(Failure(code=1011, reason="NET-0001", after_seconds=0.2))
    stream = await deepgram.stt.open()
    await speak(stream, 0.2)

    with pytest.raises(SttError, match="1011 'NET-0001'"):
        await until_speech_final(stream)
    with pytest.raises(SttError, match="1011"):  # sticky: a second reader hears it too
        await until_speech_final(stream)
    with pytest.raises(SttError, match="connection closed"):
        await speak(stream, 0.02)
    await stream.close()


async def test_an_error_message_surfaces_as_stt_error(deepgram: Served):
    deepgram.fake.enqueue(Failure(code=1011, reason="DATA-0000", error_frame=True))
    stream = await deepgram.stt.open()
    await speak(stream, 0.02)

    with pytest.raises(SttError, match="ServerError: DATA-0000"):
        await until_speech_final(stream)
    await stream.close()


async def test_a_wrong_key_is_refused_at_open(deepgram: Served):
    stt = DeepgramStt(api_key="not-the-key", base_url=deepgram.url)

    with pytest.raises(SttError, match="HTTP 401"):
        await stt.open()


async def test_settings_choose_deepgram_and_point_it_at_the_fake(deepgram: Served):
    settings = load_settings(
        stt_provider="deepgram",
        deepgram_api_key=API_KEY,
        deepgram_base_url=deepgram.url,
        deepgram_model="nova-2-phonecall",
    )
    stream = await build_stt(settings).open()
    await stream.close()

    assert deepgram.fake.sessions[0].query["model"] == "nova-2-phonecall"
