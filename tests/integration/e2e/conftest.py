"""The whole dev stack (`karla dev`) in this process, driven only over its sockets.

Trigger API on uvicorn, SQS in moto's server, the control plane's Lambda handlers, the
RingCentral emulator over HTTP, the media server's WebSocket, the client-system mock, and
Postgres and Redis: one stack for the package, with a database and Redis prefix of its
own. Its clock is the dev clock, moved only through the stack's `/_dev/clock` endpoint;
it starts at the next 09:00 in Mexico City, inside the 08:00-20:00 window these tests
configure. Karla and the drivers talk fast (the media tests' pace), so a call takes
seconds; the voice calls run side by side.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from devstack import audio_driver
from devstack.dev_clock import DevClock
from devstack.dev_numbers import load_dev_numbers
from devstack.dev_stack import ANY_PORTS, DevStack, dev_stack
from devstack.services import DataStores, migrated_database
from media_server import services as media_services
from media_server.providers.tts import offline as offline_tts
from media_server.providers.tts.offline import OfflineTts
from shared.config import load_settings
from tests.integration.e2e.support import MX

NUMBERS = Path(__file__).with_name("numbers.yaml")


@pytest.fixture(scope="package")
def brisk_speech() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(offline_tts, "SECONDS_PER_CHARACTER", 0.03)
        patch.setattr(media_services, "build_tts", lambda _settings: OfflineTts(use_espeak=False))
        patch.setattr(audio_driver, "SECONDS_PER_CHARACTER", 0.025)
        yield


@pytest.fixture(scope="package")
async def e2e_database_url(data_stores: DataStores) -> AsyncIterator[str]:
    async with migrated_database(data_stores.database_url, "karla_e2e") as url:
        yield url


@pytest.fixture(scope="package")
async def dev(
    e2e_database_url: str,
    data_stores: DataStores,
    brisk_speech: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[DevStack]:
    prefix = f"karla-e2e:{uuid.uuid4().hex[:10]}:"
    settings = load_settings(
        environment="test",
        database_url=e2e_database_url,
        redis_url=data_stores.redis_url,
        redis_key_prefix=prefix,
        state_dir=tmp_path_factory.mktemp("dev-state"),
        api_token="e2e-token-0123456789",
        calling_window_start=dt.time(8, 0),
        calling_window_end=dt.time(20, 0),
        media_silence_timeout_seconds=1.5,
    )
    async with dev_stack(
        settings,
        load_dev_numbers(NUMBERS),
        ports=ANY_PORTS,
        clock=DevClock(_until_next(dt.time(9, 0))),
        tick_seconds=0,  # the schedules run when a test moves the clock
        write_stack_file=False,
    ) as running:
        yield running
    redis = aioredis.from_url(data_stores.redis_url)
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


@pytest.fixture(scope="package")
async def api(dev: DevStack) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {dev.urls.token}"}
    async with httpx.AsyncClient(base_url=dev.urls.api, headers=headers, timeout=10) as client:
        yield client


def _until_next(local_time: dt.time) -> float:
    """Seconds from now to the next `local_time` in Mexico City."""
    now = dt.datetime.now(MX)
    at = dt.datetime.combine(now.date(), local_time, tzinfo=MX)
    if at <= now:
        at += dt.timedelta(days=1)
    return (at - now).total_seconds()
