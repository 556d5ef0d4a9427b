"""OfflineStt: words from the simulator's test channel, timing from finalize()."""

from __future__ import annotations

import asyncio

import pytest

from media_server.providers.errors import SttError
from media_server.providers.stt.offline import OfflineStt, SimulatorTranscriptChannel
from shared.observability.metrics import REGISTRY

FRAME = b"\x00\x00" * 160


async def collect(stream) -> list:
    async with asyncio.timeout(5):
        return [t async for t in stream.transcripts()]


async def test_announced_words_come_out_only_when_the_vad_cuts_the_utterance():
    stt = OfflineStt()
    stt.channel.will_say("Sí, soy Juan.")
    stt.channel.will_say("Voy a Monterrey.")
    stream = await stt.open()
    for _ in range(50):
        await stream.send(FRAME)
    await stream.finalize()
    await stream.close()

    (transcript,) = await collect(stream)
    assert transcript.text == "Sí, soy Juan."
    assert (transcript.is_final, transcript.speech_final) == (True, True)
    assert (transcript.start_seconds, transcript.end_seconds) == (0.0, 1.0)
    assert stt.channel.pending == 1  # the second line waits for its own utterance


async def test_utterances_keep_their_order_and_an_unannounced_one_is_empty():
    channel = SimulatorTranscriptChannel()
    stream = await OfflineStt(channel).open()
    channel.will_say("Bueno.")
    await stream.send(FRAME * 10)
    await stream.finalize()
    await stream.send(FRAME * 15)
    await stream.finalize()  # a cough: the simulator announced nothing
    await stream.close()

    first, second = await collect(stream)
    assert (first.text, first.end_seconds) == ("Bueno.", 0.2)
    assert (second.text, second.start_seconds, second.end_seconds) == ("", 0.2, 0.5)


async def test_a_misheard_utterance_gives_an_interim_with_words_then_an_empty_final():
    """A false interruption as a real recogniser makes one: words for a moment, then none."""
    stt = OfflineStt()
    stt.channel.will_mishear("oiga")
    stt.channel.will_say("Sí, así es.")
    stream = await stt.open()
    for _ in range(20):  # 400 ms of the noise
        await stream.send(FRAME)
    await stream.finalize()
    await stream.send(FRAME * 10)
    await stream.finalize()
    await stream.close()

    interim, final, answer = await collect(stream)
    assert (interim.text, interim.is_final, interim.end_seconds) == ("oiga", False, 0.3)
    assert (final.text, final.speech_final) == ("", True)
    assert answer.text == "Sí, así es."  # the next utterance keeps its own words


async def test_audio_seconds_count_what_was_sent():
    stream = await OfflineStt().open(sample_rate=8000)
    await stream.send(FRAME * 100)
    await stream.send(b"\x00" * 800)

    assert stream.audio_seconds == pytest.approx(2.05)
    await stream.close()


async def test_finalize_feeds_the_stt_latency_histogram():
    labels = {"provider": "offline"}
    before = REGISTRY.get_sample_value("karla_stt_latency_seconds_count", labels) or 0.0
    stream = await OfflineStt().open()
    await stream.finalize()
    await stream.close()

    assert REGISTRY.get_sample_value("karla_stt_latency_seconds_count", labels) == before + 1


async def test_a_closed_stream_refuses_audio_and_its_transcripts_end():
    stream = await OfflineStt().open()
    await stream.close()

    with pytest.raises(SttError, match="closed"):
        await stream.send(FRAME)
    assert await collect(stream) == []
    assert await collect(stream) == []  # and again
