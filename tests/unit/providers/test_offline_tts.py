"""OfflineTts: audio as long as the text, in chunks, cancellable; espeak-ng when present."""

from __future__ import annotations

import asyncio
import sys

import pytest
import webrtcvad

from media_server.providers.errors import TtsError
from media_server.providers.tts.offline import SECONDS_PER_CHARACTER, OfflineTts
from shared.observability.metrics import REGISTRY

SENTENCES = ["Hola, ¿hablo con Juan Pérez?", "Le llamo de Transportes del Norte."]


async def speak(stream, sentences=SENTENCES) -> list[bytes]:
    for sentence in sentences:
        await stream.send_text(sentence)
    await stream.end_input()
    async with asyncio.timeout(10):
        return [chunk async for chunk in stream.audio()]


async def test_synthetic_audio_follows_the_text_length_in_100_ms_chunks():
    stream = await OfflineTts(use_espeak=False).open(sample_rate=8000)

    chunks = await speak(stream)

    expected = sum(round(len(s) * SECONDS_PER_CHARACTER * 8000) for s in SENTENCES)
    assert sum(len(c) for c in chunks) == 2 * expected
    assert max(len(c) for c in chunks) == 1600
    assert stream.characters == sum(len(s) for s in SENTENCES)


async def test_synthetic_audio_is_speech_to_the_far_end_vad():
    audio = b"".join(await speak(await OfflineTts(use_espeak=False).open(), SENTENCES[:1]))
    vad = webrtcvad.Vad(2)
    frames = [audio[i : i + 320] for i in range(0, len(audio) - 319, 320)]

    voiced = sum(vad.is_speech(frame, 8000) for frame in frames) / len(frames)
    assert voiced > 0.8


async def test_cancel_mid_turn_ends_the_audio_without_the_rest():
    stream = await OfflineTts(use_espeak=False).open()
    await stream.send_text(SENTENCES[0] * 5)

    taken = []
    async with asyncio.timeout(10):
        async for chunk in stream.audio():
            taken.append(chunk)
            await stream.cancel()
        assert [c async for c in stream.audio()] == []

    assert len(taken) == 1
    await stream.send_text("Ya no se oye.")  # dropped quietly after a barge-in
    assert stream.characters == len(SENTENCES[0] * 5)


async def test_first_byte_is_timed_once_per_turn():
    labels = {"provider": "offline"}
    before = REGISTRY.get_sample_value("karla_tts_first_byte_seconds_count", labels) or 0.0

    await speak(await OfflineTts(use_espeak=False).open())

    assert REGISTRY.get_sample_value("karla_tts_first_byte_seconds_count", labels) == before + 1


# A stand-in for espeak-ng with its command line and output format (a streamed WAV on
# stdout, 22.05 kHz like the real one, as long as the text), so the subprocess handling is
# tested on every machine, with or without the real binary.
FAKE_ESPEAK = """#!{python}
import struct, sys, time
args = sys.argv[1:]
voice = args[args.index("-v") + 1]
text = sys.stdin.read()
if voice != "es-419":
    sys.stderr.write(f"Error: voice '{{voice}}' not found\\n")
    sys.exit(1)
if "lento" in text:
    time.sleep(30)
rate = 22050
samples = int(len(text) * 0.06 * rate)
sys.stdout.buffer.write(
    b"RIFF" + struct.pack("<I", 0x7FFFFFFF) + b"WAVEfmt "
    + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    + b"data" + struct.pack("<I", 0x7FFFFFFF)
)
sys.stdout.buffer.write(struct.pack("<h", 3000) * samples)
"""


@pytest.fixture
def espeak(tmp_path) -> str:
    path = tmp_path / "espeak-ng"
    path.write_text(FAKE_ESPEAK.format(python=sys.executable))
    path.chmod(0o755)
    return str(path)


async def test_espeak_output_is_resampled_to_the_stream_rate(espeak):
    stream = await OfflineTts(executable=espeak).open(sample_rate=8000)

    audio = b"".join(await speak(stream, SENTENCES[:1]))

    expected_seconds = len(SENTENCES[0]) * 0.06
    assert len(audio) % 2 == 0
    assert abs(len(audio) / 16000 - expected_seconds) < 0.05


async def test_espeak_cancel_while_synthesising_kills_it_and_ends_the_audio(espeak):
    stream = await OfflineTts(executable=espeak).open()
    await stream.send_text("una frase muy lento que no termina")
    await asyncio.sleep(0)  # let the worker start the subprocess
    await stream.cancel()

    async with asyncio.timeout(5):
        assert [c async for c in stream.audio()] == []


async def test_espeak_without_the_voice_surfaces_as_tts_error(espeak):
    stream = await OfflineTts(voice="xx-no-such-voice", executable=espeak).open()

    with pytest.raises(TtsError, match="voice 'xx-no-such-voice' not found"):
        await speak(stream, SENTENCES[:1])
