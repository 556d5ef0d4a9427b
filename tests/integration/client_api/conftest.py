"""The mock client system served by uvicorn on a free 127.0.0.1 port, reset per test."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from shared.client_api import FieldMap, MockClientApi, TripsClient
from shared.serving import serving as serve_app

SEED: list[dict[str, str]] = [
    {
        "trip_id": "T-1001",
        "driver_id": "D-01",
        "origin": "Monterrey",
        "destination": "Nuevo Laredo",
        "date": "2025-03-14",
        "status": "pending",
    },
    {
        "trip_id": "T-1002",
        "driver_id": "D-01",
        "origin": "Nuevo Laredo",
        "destination": "Saltillo",
        "date": "2025-03-15",
        "status": "validated",
    },
    {
        "trip_id": "T-1003",
        "driver_id": "D-02",
        "origin": "Guadalajara",
        "destination": "Querétaro",
        "date": "2025-03-14",
        "status": "pending",
    },
]


def serving(mock: MockClientApi) -> contextlib.AbstractAsyncContextManager[str]:
    """Serve `mock` over real HTTP; the socket listens before uvicorn runs, so no wait."""
    return serve_app(mock.app)


@pytest.fixture(scope="session")
async def served_mock() -> AsyncIterator[tuple[MockClientApi, str]]:
    """One server for the session; `mock_api` resets it for each test."""
    mock = MockClientApi()
    async with serving(mock) as url:
        yield mock, url


@pytest.fixture
def mock_api(served_mock: tuple[MockClientApi, str]) -> MockClientApi:
    """The served mock with a clean slate: SEED trips, no keys, no log, no faults."""
    mock, _ = served_mock
    mock.reset(SEED)
    return mock


@pytest.fixture
def base_url(served_mock: tuple[MockClientApi, str], mock_api: MockClientApi) -> str:
    return served_mock[1]


@pytest.fixture
async def mock_http(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client for the contract and the /_mock/ helpers."""
    async with httpx.AsyncClient(base_url=base_url) as client:
        yield client


@pytest.fixture
async def make_client(base_url: str) -> AsyncIterator[Callable[..., TripsClient]]:
    """TripsClient factory with fast backoff; every client made is closed afterwards."""
    clients: list[TripsClient] = []

    def make(**overrides: Any) -> TripsClient:
        options: dict[str, Any] = {
            "base_url": base_url,
            "token": "",
            "timeout_seconds": 5.0,
            "max_attempts": 3,
            "breaker_threshold": 5,
            "breaker_reset_seconds": 30.0,
            "field_map": FieldMap(),
            "backoff_base_seconds": 0.001,
            "backoff_max_seconds": 0.01,
        }
        client = TripsClient(**(options | overrides))
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
