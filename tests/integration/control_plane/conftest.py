"""The control plane's Lambdas, invoked as AWS invokes them, over real Postgres and Redis.

AWS is moto's in-process mock (SQS with a dead-letter queue); telephony is a `FakeDialer`;
the client's /trips API is the mock over real HTTP; the clock is a `FakeClock`. The
handlers run on one worker thread, as one Lambda execution environment, with the process
runtime pointed at this test's plane.

The sweep looks at every open call in the database, so these tests get a database of
their own, emptied before each test, rather than the session's shared one.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import boto3
import pytest
from moto import mock_aws

from devstack.services import DataStores
from shared.aws.runtime import RUNTIME
from shared.calls.plane import open_control_plane
from shared.client_api import MockClientApi
from shared.config import Settings, get_settings, load_settings
from shared.serving import serving
from tests.conftest import migrated_database, use_fake_aws_credentials
from tests.integration.control_plane.lambdas import Lambdas, Queues
from tests.integration.control_plane.support import (
    API_TOKEN,
    WEBHOOK_TOKEN,
    FakeClock,
    FakeDialer,
    mx,
)

TRIPS = [
    {"trip_id": f"T-{n}", "driver_id": f"D-{n}", "origin": "Monterrey",
     "destination": "Saltillo", "date": "2025-03-09", "status": "pending"}
    for n in range(1, 4)
]  # fmt: skip


@pytest.fixture(scope="package")
async def cp_database_url(data_stores: DataStores) -> AsyncIterator[str]:
    async with migrated_database(data_stores.database_url, "karla_cp") as url:
        yield url


@pytest.fixture(scope="package")
async def cp_pool(cp_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    from shared.db.pool import create_pool

    pool = await create_pool(cp_database_url)
    yield pool
    await pool.close()


@pytest.fixture(autouse=True)
async def _empty_tables(cp_pool: asyncpg.Pool) -> None:
    await cp_pool.execute("TRUNCATE calls, campaigns, drivers CASCADE")


@pytest.fixture(scope="package")
async def served_trips() -> AsyncIterator[tuple[MockClientApi, str]]:
    mock = MockClientApi()
    async with serving(mock.app) as url:
        yield mock, url


@pytest.fixture
def trips(served_trips: tuple[MockClientApi, str]) -> MockClientApi:
    mock, _ = served_trips
    mock.reset(TRIPS)
    return mock


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Queues]:
    use_fake_aws_credentials(monkeypatch)
    with mock_aws():
        client = boto3.client("sqs")
        dead = client.create_queue(QueueName="karla-dispatch-dlq")["QueueUrl"]
        dead_arn = client.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])
        redrive = {"deadLetterTargetArn": dead_arn["Attributes"]["QueueArn"], "maxReceiveCount": 5}
        url = client.create_queue(
            QueueName="karla-dispatch", Attributes={"RedrivePolicy": json.dumps(redrive)}
        )["QueueUrl"]
        yield Queues(client, url, dead)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(mx(10))


@pytest.fixture
def dialer() -> FakeDialer:
    return FakeDialer()


@pytest.fixture
def cp_settings(
    cp_database_url: str,
    redis_url: str,
    redis_prefix: str,
    served_trips: tuple[MockClientApi, str],
    aws: Queues,
) -> Settings:
    return load_settings(
        environment="test",
        database_url=cp_database_url,
        redis_url=redis_url,
        redis_key_prefix=redis_prefix,
        api_token=API_TOKEN,
        client_api_base_url=served_trips[1],
        client_api_max_attempts=1,
        dispatch_queue_url=aws.url,
        media_token_secret="media-secret-for-tests-0123456789",
        ringcentral_webhook_verification_token=WEBHOOK_TOKEN,
        dial_rate_per_second=1000.0,
        dial_rate_burst=1000,
    )


@pytest.fixture
async def lambdas(
    monkeypatch: pytest.MonkeyPatch,
    cp_settings: Settings,
    aws: Queues,
    trips: MockClientApi,
    dialer: FakeDialer,
    clock: FakeClock,
    redis_client: Any,
) -> AsyncIterator[Lambdas]:
    for name, value in {
        "ENVIRONMENT": "test",
        "DATABASE_URL": cp_settings.database_url,
        "REDIS_URL": cp_settings.redis_url,
        "REDIS_KEY_PREFIX": cp_settings.redis_key_prefix,
        "API_TOKEN": API_TOKEN,
        "DISPATCH_QUEUE_URL": aws.url,
    }.items():
        monkeypatch.setenv(name, str(value))
    get_settings.cache_clear()
    RUNTIME.install(lambda: open_control_plane(cp_settings, dialer=dialer, clock=clock))
    running = Lambdas(aws)
    yield running
    await running.close()
    get_settings.cache_clear()
