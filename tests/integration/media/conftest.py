"""A local stack with the media server in-process on loopback, for calls played as audio.

The audio runs in real time, so to keep the suite short Karla speaks with the offline
provider's synthetic voice (not espeak-ng) at 30 ms a character, the simulated driver
talks at 25 ms a character, and silence counts as silence after 1.5 s. Both sides keep
their proportions, so a barge-in line still lands while Karla speaks.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from pydantic import SecretStr

from devstack import audio_driver
from devstack.audio_driver import Overlap
from devstack.eval.scenario import DriverLine
from devstack.media_link import serving_media
from devstack.stack import local_stack, shifted_clock
from devstack.voice_calls import run_voice_call
from media_server import services as media_services
from media_server.providers.tts import offline as offline_tts
from media_server.providers.tts.offline import OfflineTts
from shared.calls.lifecycle import CallParty
from shared.domain.call import CallStatus, Direction
from shared.domain.trip import Driver

from ..calls.helpers import CALL_TIME

KARLA_SECONDS_PER_CHARACTER = 0.03
DRIVER_SECONDS_PER_CHARACTER = 0.025
CALL_GUARD_SECONDS = 90  # a hang guard only: a call that never ends fails instead of hanging

JUAN = Driver(driver_id="D-1001", name="Juan Pérez", phone="+528112345678")
FELIPE = Driver(driver_id="D-2301", name="Felipe Navarro", phone="+527221112233")
CONFIRM = ["¿Bueno?", "Sí, soy yo.", "Sí, así es, todo correcto."]
BARGE_IN = [
    "¿Bueno?",
    "[interrumpe] Sí, sí, soy yo, ¿es por el viaje a Morelia?",
    "Sí, todo bien, así fue.",
]


@pytest.fixture
def voice_settings(settings):
    return settings.model_copy(
        update={
            "media_token_secret": SecretStr("test-media-secret-0123456789"),
            "media_silence_timeout_seconds": 1.5,
        }
    )


@pytest.fixture
def brisk_voice(monkeypatch):
    monkeypatch.setattr(offline_tts, "SECONDS_PER_CHARACTER", KARLA_SECONDS_PER_CHARACTER)
    monkeypatch.setattr(media_services, "build_tts", lambda _settings: OfflineTts(use_espeak=False))
    monkeypatch.setattr(audio_driver, "SECONDS_PER_CHARACTER", DRIVER_SECONDS_PER_CHARACTER)


@pytest.fixture
async def voice_stack(voice_settings, redis_client, brisk_voice):
    async with local_stack(voice_settings) as stack:
        yield stack


@pytest.fixture
async def media(voice_stack):
    async with serving_media(voice_stack) as served:
        yield served


async def place_voice_call(stack, media, driver, trip_id, lines, **kwargs):
    call_id = str(uuid.uuid4())
    await stack.audit.drivers.upsert(driver.driver_id, driver.phone, driver.name)
    await stack.audit.calls.create(
        call_id, driver.driver_id, trip_id, driver.phone, "outbound", CallStatus.QUEUED
    )
    urls = kwargs.pop("urls", None) or media.urls
    async with asyncio.timeout(CALL_GUARD_SECONDS):
        result = await run_voice_call(
            stack,
            urls,
            media.channels,
            call_id,
            CallParty(driver, Direction.OUTBOUND),
            trip_id,
            [line if isinstance(line, Overlap) else DriverLine.parse(line) for line in lines],
            shifted_clock(CALL_TIME),
            **kwargs,
        )
    return call_id, result
