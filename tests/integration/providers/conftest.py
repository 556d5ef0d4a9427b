"""Vendor SDKs against the local fakes over real sockets; helpers shared by the files."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from media_server.providers.stt.base import SttStream, Transcript
from shared.observability.metrics import REGISTRY

API_KEY = "test-speech-key"
FRAME = b"\x00\x01" * 160  # 20 ms of PCM16 8 kHz; the fakes never look at the samples
GUARD_SECONDS = 5.0  # a hang guard only: no test measures time


async def speak(stream: SttStream, seconds: float) -> None:
    for _ in range(round(seconds / 0.02)):
        await stream.send(FRAME)


async def until_speech_final(stream: SttStream) -> list[Transcript]:
    """The transcripts up to and including the next one that ends an utterance."""
    got: list[Transcript] = []
    async with asyncio.timeout(GUARD_SECONDS):
        async for transcript in stream.transcripts():
            got.append(transcript)
            if transcript.speech_final:
                break
    return got


async def drain(audio: AsyncIterator[bytes]) -> bytes:
    async with asyncio.timeout(GUARD_SECONDS):
        return b"".join([chunk async for chunk in audio])


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait for the other end of a socket to have seen something."""
    async with asyncio.timeout(GUARD_SECONDS):
        while not condition():
            await asyncio.sleep(0.005)


def histogram_count(name: str, provider: str) -> float:
    return REGISTRY.get_sample_value(f"{name}_count", {"provider": provider}) or 0.0
