"""TripsClient against the mock over real HTTP: reads, writes, idempotency, retries, breaker."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from shared.client_api import (
    ClientApiPayloadError,
    ClientApiRejected,
    ClientApiUnavailable,
    FieldMap,
    MockClientApi,
    TripNotFound,
    TripsClient,
)
from shared.client_api.mock_server import bind_socket
from shared.config import load_settings
from shared.domain.trip import TripStatus

from .conftest import SEED, serving

MakeClient = Callable[..., TripsClient]


async def inject(mock_http: httpx.AsyncClient, **fault: Any) -> None:
    response = await mock_http.post("/_mock/faults", json=fault)
    assert response.status_code == 200, response.text


async def seen(mock_http: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Every /trips request the server received, reads included."""
    response = await mock_http.get("/_mock/requests", params={"all": "true"})
    entries: list[dict[str, Any]] = response.json()["requests"]
    return entries


async def wait_until(condition: Callable[[], bool]) -> None:
    """Poll without asserting how long it takes; give up after a generous bound."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never became true")


# --- reads and writes -----------------------------------------------------------------


async def test_get_trip(make_client: MakeClient) -> None:
    client = make_client()
    trip = await client.get_trip("T-1001")
    assert trip is not None
    assert (trip.origin, trip.destination) == ("Monterrey", "Nuevo Laredo")
    assert trip.date == dt.date(2025, 3, 14)
    assert trip.status is TripStatus.PENDING


async def test_get_unknown_trip_is_none(make_client: MakeClient) -> None:
    assert await make_client().get_trip("T-0000") is None


async def test_list_trips_by_driver_and_status(make_client: MakeClient) -> None:
    client = make_client()
    assert [t.trip_id for t in await client.list_trips("D-01")] == ["T-1001", "T-1002"]
    assert [t.trip_id for t in await client.list_trips("D-01", "validated")] == ["T-1002"]
    assert await client.list_trips("D-99") == []


async def test_update_trip(
    make_client: MakeClient, mock_api: MockClientApi, mock_http: httpx.AsyncClient
) -> None:
    write = await make_client().update_trip(
        "T-1001", {"destination": "Reynosa", "status": "updated"}, "key-1"
    )
    assert write.trip.destination == "Reynosa"
    assert write.trip.status is TripStatus.UPDATED
    assert not write.replayed
    assert re.fullmatch(r"[0-9a-f]{32}", write.request_id)
    stored = next(t for t in mock_api.trips if t["trip_id"] == "T-1001")
    assert stored["destination"] == "Reynosa"
    [entry] = (await mock_http.get("/_mock/requests")).json()["requests"]
    assert entry["idempotency_key"] == "key-1"
    assert entry["request_id"] == write.request_id


async def test_update_unknown_trip_raises_trip_not_found(make_client: MakeClient) -> None:
    with pytest.raises(TripNotFound) as caught:
        await make_client().update_trip("T-0000", {"origin": "Saltillo"}, "key-1")
    assert caught.value.status == 404
    assert caught.value.trip_id == "T-0000"


async def test_update_refuses_unknown_fields_before_calling(
    make_client: MakeClient, mock_http: httpx.AsyncClient
) -> None:
    with pytest.raises(ValueError, match="cargo"):
        await make_client().update_trip("T-1001", {"cargo": "acero"}, "key-1")
    assert await seen(mock_http) == []


async def test_create_trip(make_client: MakeClient, mock_api: MockClientApi) -> None:
    write = await make_client().create_trip(
        "D-02", "Querétaro", "Celaya", dt.date(2025, 4, 1), "key-new"
    )
    assert write.trip.trip_id.startswith("T-9")
    assert write.trip.status is TripStatus.CREATED
    assert write.trip.date == dt.date(2025, 4, 1)
    assert not write.replayed
    assert write.trip.trip_id in {t["trip_id"] for t in mock_api.trips}


# --- idempotency ----------------------------------------------------------------------


async def test_same_key_twice_writes_once(
    make_client: MakeClient, mock_api: MockClientApi, mock_http: httpx.AsyncClient
) -> None:
    client = make_client()
    first = await client.update_trip("T-1001", {"origin": "Apodaca"}, "key-1")
    await client.update_trip("T-1001", {"origin": "Escobedo"}, "key-2")
    again = await client.update_trip("T-1001", {"origin": "Apodaca"}, "key-1")

    assert again.replayed
    assert again.trip == first.trip
    # The replay did not write: the store keeps key-2's origin.
    stored = next(t for t in mock_api.trips if t["trip_id"] == "T-1001")
    assert stored["origin"] == "Escobedo"
    log = (await mock_http.get("/_mock/requests")).json()["requests"]
    assert [(e["idempotency_key"], e["replayed"]) for e in log] == [
        ("key-1", False),
        ("key-2", False),
        ("key-1", True),
    ]


async def test_create_twice_with_one_key_creates_one_trip(
    make_client: MakeClient, mock_api: MockClientApi
) -> None:
    client = make_client()
    args = ("D-02", "Querétaro", "Celaya", dt.date(2025, 4, 1), "key-new")
    first = await client.create_trip(*args)
    second = await client.create_trip(*args)
    assert second.replayed
    assert second.trip.trip_id == first.trip.trip_id
    assert len(mock_api.trips) == len(SEED) + 1


async def test_same_key_different_body_is_rejected(make_client: MakeClient) -> None:
    client = make_client()
    await client.update_trip("T-1001", {"origin": "Apodaca"}, "key-1")
    with pytest.raises(ClientApiRejected) as caught:
        await client.update_trip("T-1001", {"origin": "Escobedo"}, "key-1")
    assert caught.value.status == 409
    assert caught.value.code == "idempotency_key_reused"
    assert "key-1" in caught.value.reason


# --- retries --------------------------------------------------------------------------


async def test_server_errors_are_retried_until_success(
    make_client: MakeClient, mock_http: httpx.AsyncClient
) -> None:
    await inject(mock_http, status=503, count=2)
    trip = await make_client(max_attempts=3).get_trip("T-1001")
    assert trip is not None
    assert [e["status"] for e in await seen(mock_http)] == [503, 503, 200]


async def test_write_retries_reuse_key_and_request_id(
    make_client: MakeClient, mock_http: httpx.AsyncClient
) -> None:
    await inject(mock_http, status=502, count=2)
    write = await make_client(max_attempts=3).update_trip("T-1001", {"origin": "Apodaca"}, "k")
    log = await seen(mock_http)
    assert [e["status"] for e in log] == [502, 502, 200]
    assert {e["idempotency_key"] for e in log} == {"k"}
    assert {e["request_id"] for e in log} == {write.request_id}


async def test_server_errors_past_max_attempts_are_unavailable(
    make_client: MakeClient, mock_http: httpx.AsyncClient
) -> None:
    await inject(mock_http, status=500, count=5)
    with pytest.raises(ClientApiUnavailable) as caught:
        await make_client(max_attempts=2).get_trip("T-1001")
    assert caught.value.status == 500
    assert not caught.value.breaker_open
    assert len(await seen(mock_http)) == 2


@pytest.mark.parametrize("status", [400, 409, 422, 429])
async def test_client_errors_are_not_retried(
    make_client: MakeClient, mock_http: httpx.AsyncClient, status: int
) -> None:
    await inject(mock_http, status=status, count=3)
    with pytest.raises(ClientApiRejected) as caught:
        await make_client(max_attempts=3).get_trip("T-1001")
    assert caught.value.status == status
    assert len(await seen(mock_http)) == 1


async def test_validation_rejection_is_not_retried(
    make_client: MakeClient, mock_http: httpx.AsyncClient
) -> None:
    with pytest.raises(ClientApiRejected) as caught:
        await make_client(max_attempts=3).update_trip("T-1001", {"date": "14/03/2025"}, "k")
    assert caught.value.status == 422
    assert "date" in caught.value.reason
    assert len(await seen(mock_http)) == 1


async def test_timeouts_are_retried(make_client: MakeClient, mock_http: httpx.AsyncClient) -> None:
    await inject(mock_http, delay_seconds=1.0, count=1)
    trip = await make_client(timeout_seconds=0.25, max_attempts=2).get_trip("T-1001")
    assert trip is not None


async def test_unreachable_client_is_unavailable(make_client: MakeClient) -> None:
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()
    client = make_client(base_url=f"http://127.0.0.1:{port}", max_attempts=2)
    with pytest.raises(ClientApiUnavailable, match="ConnectError"):
        await client.get_trip("T-1001")


# --- circuit breaker ------------------------------------------------------------------


async def test_breaker_opens_after_threshold_failures(
    make_client: MakeClient, mock_http: httpx.AsyncClient
) -> None:
    client = make_client(max_attempts=1, breaker_threshold=2)
    await inject(mock_http, status=503, count=10)
    for _ in range(2):
        with pytest.raises(ClientApiUnavailable) as caught:
            await client.get_trip("T-1001")
        assert not caught.value.breaker_open
    assert client.breaker_open

    with pytest.raises(ClientApiUnavailable) as caught:
        await client.update_trip("T-1001", {"origin": "Apodaca"}, "key-1")
    assert caught.value.breaker_open
    assert len(await seen(mock_http)) == 2


async def test_breaker_counts_attempts_and_stops_retrying_when_open(
    make_client: MakeClient, mock_http: httpx.AsyncClient
) -> None:
    client = make_client(max_attempts=5, breaker_threshold=3)
    await inject(mock_http, status=503, count=10)
    with pytest.raises(ClientApiUnavailable) as caught:
        await client.get_trip("T-1001")
    assert caught.value.breaker_open
    assert len(await seen(mock_http)) == 3


async def test_rejections_do_not_trip_the_breaker(
    make_client: MakeClient, mock_http: httpx.AsyncClient
) -> None:
    client = make_client(max_attempts=1, breaker_threshold=1)
    await inject(mock_http, status=422, count=3)
    for _ in range(3):
        with pytest.raises(ClientApiRejected):
            await client.get_trip("T-1001")
    assert not client.breaker_open
    assert await client.get_trip("T-0000") is None
    assert not client.breaker_open


async def test_breaker_half_opens_after_reset_and_closes_on_success(
    make_client: MakeClient, mock_http: httpx.AsyncClient
) -> None:
    client = make_client(max_attempts=1, breaker_threshold=1, breaker_reset_seconds=0.2)
    await inject(mock_http, status=503, count=1)
    with pytest.raises(ClientApiUnavailable):
        await client.get_trip("T-1001")
    assert client.breaker_open

    await wait_until(lambda: not client.breaker_open)
    assert await client.get_trip("T-1001") is not None
    assert not client.breaker_open
    assert [e["status"] for e in await seen(mock_http)] == [503, 200]


async def test_failed_probe_reopens_the_breaker(
    make_client: MakeClient, mock_http: httpx.AsyncClient
) -> None:
    client = make_client(max_attempts=1, breaker_threshold=3, breaker_reset_seconds=0.2)
    await inject(mock_http, status=503, count=4)
    for _ in range(3):
        with pytest.raises(ClientApiUnavailable):
            await client.get_trip("T-1001")
    await wait_until(lambda: not client.breaker_open)

    with pytest.raises(ClientApiUnavailable) as caught:
        await client.get_trip("T-1001")
    assert not caught.value.breaker_open  # the probe reached the server and failed
    assert client.breaker_open  # one failure in half-open state is enough
    assert len(await seen(mock_http)) == 4


async def test_timeouts_count_as_failures(
    make_client: MakeClient, mock_http: httpx.AsyncClient
) -> None:
    client = make_client(timeout_seconds=0.25, max_attempts=1, breaker_threshold=1)
    await inject(mock_http, delay_seconds=1.0, count=1)
    with pytest.raises(ClientApiUnavailable, match="Timeout") as caught:
        await client.get_trip("T-1001")
    assert not caught.value.breaker_open
    assert client.breaker_open


async def test_cancelled_call_does_not_count_as_failure(
    make_client: MakeClient, mock_api: MockClientApi, mock_http: httpx.AsyncClient
) -> None:
    client = make_client(max_attempts=1, breaker_threshold=1)
    await inject(mock_http, delay_seconds=1.0, count=1)
    call = asyncio.create_task(client.get_trip("T-1001"))
    await wait_until(lambda: len(mock_api.requests) == 1)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert not client.breaker_open
    assert await client.get_trip("T-1001") is not None


# --- auth and configuration -----------------------------------------------------------


async def test_bearer_token(make_client: MakeClient) -> None:
    mock = MockClientApi(token="s3cret")
    mock.seed(SEED)
    async with serving(mock) as url:
        assert await make_client(base_url=url, token="s3cret").get_trip("T-1001") is not None
        with pytest.raises(ClientApiRejected) as caught:
            await make_client(base_url=url, token="").get_trip("T-1001")
    assert caught.value.status == 401


async def test_from_settings(base_url: str) -> None:
    settings = load_settings(
        client_api_base_url=base_url, client_api_token="", client_api_field_map="{}"
    )
    async with TripsClient.from_settings(settings) as client:
        assert not client.breaker_open
        assert await client.get_trip("T-1001") is not None


# --- a custom field map, end to end through httpx.MockTransport ------------------------

SPANISH = {
    "trip_id": "folio",
    "driver_id": "operador",
    "origin": "origen",
    "destination": "destino",
    "date": "fecha",
    "status": "estatus",
}
WIRE_TRIP = {
    "folio": "T-7",
    "operador": "D-01",
    "origen": "Monterrey",
    "destino": "Saltillo",
    "fecha": "2025-03-14",
    "estatus": "pending",
}


def spanish_client(handler: Callable[[httpx.Request], httpx.Response]) -> TripsClient:
    return TripsClient(
        base_url="http://client.test",
        token="tok",
        timeout_seconds=1.0,
        max_attempts=1,
        breaker_threshold=5,
        breaker_reset_seconds=30.0,
        field_map=FieldMap(SPANISH),
        transport=httpx.MockTransport(handler),
    )


async def test_custom_field_map_end_to_end() -> None:
    received: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(request)
        assert request.headers["authorization"] == "Bearer tok"
        assert re.fullmatch(r"[0-9a-f]{32}", request.headers["x-request-id"])
        if request.method == "GET" and request.url.path == "/trips":
            return httpx.Response(200, json={"trips": [WIRE_TRIP]})
        if request.method == "GET":
            return httpx.Response(200, json=WIRE_TRIP)
        body = json.loads(request.content)
        if request.method == "PUT":
            return httpx.Response(200, json={**WIRE_TRIP, **body})
        return httpx.Response(201, json={**body, "folio": "T-90001"})

    async with spanish_client(handler) as client:
        trip = await client.get_trip("T-7")
        listed = await client.list_trips("D-01", status="pending")
        updated = await client.update_trip("T-7", {"destination": "Reynosa"}, "k1")
        created = await client.create_trip("D-01", "Apodaca", "Laredo", dt.date(2025, 5, 2), "k2")

    assert trip is not None
    assert (trip.trip_id, trip.origin) == ("T-7", "Monterrey")
    assert listed == [trip]
    assert received[1].url.params == httpx.QueryParams({"operador": "D-01", "estatus": "pending"})
    assert json.loads(received[2].content) == {"destino": "Reynosa"}
    assert received[2].headers["idempotency-key"] == "k1"
    assert updated.trip.destination == "Reynosa"
    assert json.loads(received[3].content) == {
        "operador": "D-01",
        "origen": "Apodaca",
        "destino": "Laredo",
        "fecha": "2025-05-02",
        "estatus": "created",
    }
    assert created.trip.trip_id == "T-90001"
    assert created.request_id == received[3].headers["x-request-id"]


async def test_payload_missing_mapped_fields_is_a_payload_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={k: v for k, v in WIRE_TRIP.items() if k != "fecha"})

    async with spanish_client(handler) as client:
        with pytest.raises(ClientApiPayloadError, match="fecha"):
            await client.get_trip("T-7")
