"""The benchmark's providers: a sentinel frame ends an utterance, replies cost nothing."""

from __future__ import annotations

import asyncio

from media_server.providers.llm.loadtest import REPLY, LoadtestAgent
from media_server.providers.stt.loadtest import (
    EOU_SENTINEL_MULAW,
    EOU_SENTINEL_PCM16,
    LoadtestStt,
    is_eou_sentinel,
)
from media_server.providers.tts.loadtest import LoadtestTts

VOICE = b"\x10\x20" * 160


def test_the_sentinel_is_the_agreed_frame():
    assert (b"KARLA-EOU-SENTINEL" * 9)[:160] == EOU_SENTINEL_MULAW
    assert len(EOU_SENTINEL_PCM16) == 320
    assert is_eou_sentinel(EOU_SENTINEL_PCM16) and not is_eou_sentinel(VOICE)


async def test_the_sentinel_frame_becomes_a_final_si():
    stream = await LoadtestStt().open()
    for _ in range(10):
        await stream.send(VOICE)
    await stream.send(EOU_SENTINEL_PCM16)
    await stream.close()
    transcripts = [t async for t in stream.transcripts()]
    assert [(t.text, t.is_final, t.speech_final) for t in transcripts] == [("sí", True, True)]
    assert stream.audio_seconds == 11 * 0.02


async def test_stt_latency_is_modelled():
    stream = await LoadtestStt(latency_ms=30).open()
    await stream.send(EOU_SENTINEL_PCM16)
    reader = anext(aiter(stream.transcripts()))
    assert not (await asyncio.wait({asyncio.ensure_future(reader)}, timeout=0.005))[0]


async def test_tts_gives_one_second_of_audio_per_sentence():
    stream = await LoadtestTts().open()
    await stream.send_text("Muy bien.")
    await stream.send_text("Gracias.")
    await stream.end_input()
    audio = b"".join([chunk async for chunk in stream.audio()])
    assert len(audio) == 2 * 16000
    assert stream.characters == len("Muy bien.") + len("Gracias.")


async def test_the_agent_says_one_fixed_sentence():
    events = [event async for event in LoadtestAgent().respond(None)]  # type: ignore[arg-type]
    assert [event.text for event in events] == [REPLY]
