"""GroqWhisperStt through the `groq` SDK, against the local fake that parses the upload."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import NamedTuple

import pytest

from devstack.fakes.groq_fake import GroqFake, Transcription
from devstack.fakes.script import Latency
from media_server.providers.errors import SttError
from media_server.providers.stt.factory import build_stt
from media_server.providers.stt.groq_whisper import GroqWhisperStt
from shared.config import load_settings

from .conftest import API_KEY, GUARD_SECONDS, speak, until_speech_final


class Served(NamedTuple):
    fake: GroqFake
    url: str
    stt: GroqWhisperStt


@pytest.fixture
async def groq() -> AsyncIterator[Served]:
    fake = GroqFake(api_key=API_KEY)
    async with fake.running() as url:
        yield Served(fake, url, GroqWhisperStt(api_key=API_KEY, base_url=url, max_retries=0))


async def test_finalize_uploads_the_utterance_as_16k_mono_pcm16_wav(groq: Served):
    groq.fake.enqueue("Sí, soy Juan Pérez.")
    stream = await groq.stt.open(language="es", sample_rate=8000)
    await speak(stream, 1.0)
    await stream.finalize()

    (transcript,) = await until_speech_final(stream)
    await stream.close()

    upload = groq.fake.uploads[0]
    assert upload.headers["authorization"] == f"Bearer {API_KEY}"
    assert upload.filename == "utterance.wav"
    assert upload.wav is not None
    assert (upload.wav.channels, upload.wav.sample_width, upload.wav.rate) == (1, 2, 16000)
    assert upload.wav.frames == 16000  # one second, resampled from 8 kHz
    assert upload.fields == {
        "model": "whisper-large-v3-turbo",
        "language": "es",
        "response_format": "verbose_json",
        "temperature": "0.0",
    }
    assert transcript.text == "Sí, soy Juan Pérez."
    assert (transcript.is_final, transcript.speech_final) == (True, True)
    assert (transcript.start_seconds, transcript.end_seconds) == (0.0, 1.0)
    assert 0.0 < transcript.confidence <= 1.0
    assert stream.audio_seconds == 1.0


async def test_one_final_per_utterance_in_order_and_nothing_uploaded_for_nothing(groq: Served):
    groq.fake.enqueue("Voy a Monterrey.", "Mañana temprano.")
    stream = await groq.stt.open()
    await speak(stream, 0.5)
    await stream.finalize()
    await speak(stream, 0.3)
    await stream.finalize()
    await stream.finalize()  # the VAD cut an utterance with no audio since the last one

    texts = [(await until_speech_final(stream))[0].text for _ in range(3)]
    await stream.close()

    assert texts == ["Voy a Monterrey.", "Mañana temprano.", ""]
    assert [u.wav.frames for u in groq.fake.uploads if u.wav] == [8000, 4800]
    assert stream.audio_seconds == pytest.approx(0.8)


async def test_a_fake_with_vendor_latency_keeps_the_utterances_in_order():
    fake = GroqFake(api_key=API_KEY, latency=Latency(first_event_seconds=0.05))
    fake.enqueue("Voy a Monterrey.", "Mañana temprano.")
    async with fake.running() as url:
        stream = await GroqWhisperStt(api_key=API_KEY, base_url=url, max_retries=0).open()
        for seconds in (0.5, 0.3):  # the second is cut while the first is still uploading
            await speak(stream, seconds)
            await stream.finalize()
        texts = [(await until_speech_final(stream))[0].text for _ in range(2)]
        await stream.close()

    assert texts == ["Voy a Monterrey.", "Mañana temprano."]


async def test_a_segment_whisper_calls_silence_is_dropped(groq: Served):
    groq.fake.enqueue(Transcription("Gracias.", no_speech_prob=0.92, avg_logprob=-1.4))
    stream = await groq.stt.open()
    await speak(stream, 0.4)
    await stream.finalize()

    (transcript,) = await until_speech_final(stream)
    await stream.close()

    assert (transcript.text, transcript.speech_final) == ("", True)


async def test_the_buffer_keeps_only_the_last_max_utterance_seconds(groq: Served):
    stt = GroqWhisperStt(api_key=API_KEY, base_url=groq.url, max_utterance_seconds=0.5)
    groq.fake.enqueue("Sí.")
    stream = await stt.open()
    await speak(stream, 2.0)
    await stream.finalize()

    (transcript,) = await until_speech_final(stream)
    await stream.close()

    assert groq.fake.uploads[0].wav is not None
    assert groq.fake.uploads[0].wav.frames == 8000
    assert (transcript.start_seconds, transcript.end_seconds) == (1.5, 2.0)
    assert stream.audio_seconds == 0.5


async def test_only_whole_samples_are_uploaded(groq: Served):
    stt = GroqWhisperStt(api_key=API_KEY, base_url=groq.url, max_utterance_seconds=0.05)
    stream = await stt.open()
    await stream.send(b"\x00" * 1001)  # over the 800-byte cap, and an odd number of bytes
    await stream.finalize()

    await until_speech_final(stream)
    await stream.close()

    # 202 bytes dropped in front (whole samples), the dangling last byte left out: 399 samples
    assert groq.fake.uploads[0].wav is not None
    assert groq.fake.uploads[0].wav.frames == 798  # at 16 kHz
    assert stream.audio_seconds == 798 / 16000


async def test_close_waits_for_the_uploads_already_asked_for(groq: Served):
    groq.fake.enqueue("Ándale pues.")
    stream = await groq.stt.open()
    await speak(stream, 0.3)
    await stream.finalize()
    await stream.close()

    async with asyncio.timeout(GUARD_SECONDS):
        texts = [t.text async for t in stream.transcripts()]
    assert texts == ["Ándale pues."]


async def test_a_server_error_surfaces_as_stt_error(groq: Served):
    groq.fake.enqueue(Transcription("", status=500))
    stream = await groq.stt.open()
    await speak(stream, 0.2)
    await stream.finalize()

    with pytest.raises(SttError, match="500"):
        await until_speech_final(stream)
    with pytest.raises(SttError, match="closed"):
        await stream.send(b"\x00\x00")
    await stream.close()


async def test_a_wrong_key_fails_the_first_utterance(groq: Served):
    stream = await GroqWhisperStt(api_key="nope", base_url=groq.url).open()
    await speak(stream, 0.2)
    await stream.finalize()

    with pytest.raises(SttError, match="401"):
        await until_speech_final(stream)
    await stream.close()


async def test_settings_choose_groq_and_point_it_at_the_fake(groq: Served):
    settings = load_settings(stt_provider="groq", groq_api_key=API_KEY, groq_base_url=groq.url)
    groq.fake.enqueue("Simón.")
    stream = await build_stt(settings).open()
    await speak(stream, 0.2)
    await stream.finalize()

    (transcript,) = await until_speech_final(stream)
    await stream.close()

    assert transcript.text == "Simón."
