"""The mock client system honours the /trips contract over real HTTP."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.client_api import MockClientApi, SeedError, load_seed, serve_mock
from shared.client_api.mock_server import bind_socket

from .conftest import SEED, serving

NEW_TRIP = {
    "driver_id": "D-03",
    "origin": "Puebla",
    "destination": "Veracruz",
    "date": "2025-06-01",
}


def write_headers(key: str = "key-1") -> dict[str, str]:
    return {"Idempotency-Key": key}


async def test_get_trip_and_404(mock_http: httpx.AsyncClient) -> None:
    found = await mock_http.get("/trips/T-1001")
    assert found.status_code == 200
    assert found.json() == SEED[0]
    missing = await mock_http.get("/trips/T-0000")
    assert missing.status_code == 404
    assert missing.json()["error"] == "trip_not_found"
    assert "T-0000" in missing.json()["reason"]


async def test_unknown_route_and_method(mock_http: httpx.AsyncClient) -> None:
    assert (await mock_http.get("/nowhere")).json()["error"] == "not_found"
    assert (await mock_http.delete("/trips/T-1001")).status_code == 405


async def test_list_by_driver_and_status(mock_http: httpx.AsyncClient) -> None:
    listed = await mock_http.get("/trips", params={"driver_id": "D-01"})
    assert [t["trip_id"] for t in listed.json()["trips"]] == ["T-1001", "T-1002"]
    pending = await mock_http.get("/trips", params={"driver_id": "D-01", "status": "pending"})
    assert [t["trip_id"] for t in pending.json()["trips"]] == ["T-1001"]
    assert (await mock_http.get("/trips", params={"driver_id": "D-9"})).json() == {"trips": []}


@pytest.mark.parametrize(
    ("params", "code"),
    [({}, "missing_driver_id"), ({"driver_id": "D-01", "status": "lost"}, "invalid_field")],
)
async def test_list_refusals(
    mock_http: httpx.AsyncClient, params: dict[str, str], code: str
) -> None:
    response = await mock_http.get("/trips", params=params)
    assert response.status_code == 422
    assert response.json()["error"] == code


async def test_update_trip(mock_http: httpx.AsyncClient, mock_api: MockClientApi) -> None:
    response = await mock_http.put(
        "/trips/T-1001",
        json={"date": "2025-03-20", "status": "updated"},
        headers=write_headers(),
    )
    assert response.status_code == 200
    assert response.json() == {**SEED[0], "date": "2025-03-20", "status": "updated"}
    assert mock_api.trips[0] == response.json()


async def test_update_unknown_trip(mock_http: httpx.AsyncClient) -> None:
    response = await mock_http.put(
        "/trips/T-0000", json={"origin": "Saltillo"}, headers=write_headers()
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "code", "reason"),
    [
        ({"date": "14/03/2025"}, "invalid_field", "ISO date"),
        ({"date": "2025-02-30"}, "invalid_field", "ISO date"),
        ({"date": "20250314"}, "invalid_field", "ISO date"),
        ({"origin": ""}, "invalid_field", "1 to 120"),
        ({"destination": "x" * 121}, "invalid_field", "1 to 120"),
        ({"origin": 5}, "invalid_field", "string"),
        ({"status": "lost"}, "invalid_field", "status must be one of"),
        ({"cargo": "acero"}, "unknown_fields", "cargo"),
        ({"trip_id": "T-2"}, "unknown_fields", "trip_id"),
        ({}, "empty_update", "at least one"),
    ],
)
async def test_update_422_reasons(
    mock_http: httpx.AsyncClient, body: dict[str, Any], code: str, reason: str
) -> None:
    response = await mock_http.put("/trips/T-1001", json=body, headers=write_headers())
    assert response.status_code == 422
    assert response.json()["error"] == code
    assert reason in response.json()["reason"]


async def test_body_must_be_a_json_object(mock_http: httpx.AsyncClient) -> None:
    headers = write_headers() | {"content-type": "application/json"}
    assert (await mock_http.put("/trips/T-1001", content=b"{", headers=headers)).status_code == 400
    listed = await mock_http.put("/trips/T-1001", json=[1], headers=write_headers("key-2"))
    assert listed.status_code == 422


async def test_create_assigns_unique_ids(mock_http: httpx.AsyncClient) -> None:
    ids = []
    for number in range(3):
        response = await mock_http.post(
            "/trips", json=NEW_TRIP, headers=write_headers(f"k{number}")
        )
        assert response.status_code == 201
        trip = response.json()
        ids.append(trip.pop("trip_id"))
        assert trip == {**NEW_TRIP, "status": "created"}
    assert len(set(ids)) == 3
    assert all(trip_id.startswith("T-9") for trip_id in ids)


async def test_create_skips_ids_already_seeded(
    mock_http: httpx.AsyncClient, mock_api: MockClientApi
) -> None:
    mock_api.seed([{**NEW_TRIP, "trip_id": "T-90001"}])
    response = await mock_http.post("/trips", json=NEW_TRIP, headers=write_headers())
    assert response.json()["trip_id"] == "T-90002"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"driver_id": "D-03", "origin": "Puebla"}, "missing_fields"),
        ({**NEW_TRIP, "trip_id": "T-1"}, "unknown_fields"),
        ({**NEW_TRIP, "date": "mañana"}, "invalid_field"),
    ],
)
async def test_create_422(mock_http: httpx.AsyncClient, body: dict[str, str], code: str) -> None:
    response = await mock_http.post("/trips", json=body, headers=write_headers())
    assert response.status_code == 422
    assert response.json()["error"] == code


@pytest.mark.parametrize("method", ["PUT", "POST"])
async def test_writes_need_an_idempotency_key(
    mock_http: httpx.AsyncClient, mock_api: MockClientApi, method: str
) -> None:
    path = "/trips/T-1001" if method == "PUT" else "/trips"
    response = await mock_http.request(method, path, json=NEW_TRIP)
    assert response.status_code == 400
    assert response.json()["error"] == "missing_idempotency_key"
    assert "Idempotency-Key" in response.json()["reason"]
    assert mock_api.trips == SEED


async def test_idempotent_replay(mock_http: httpx.AsyncClient, mock_api: MockClientApi) -> None:
    first = await mock_http.post("/trips", json=NEW_TRIP, headers=write_headers())
    # Same JSON, written differently: still the same request.
    again = await mock_http.post(
        "/trips",
        content=json.dumps(dict(reversed(NEW_TRIP.items())), indent=2),
        headers=write_headers() | {"content-type": "application/json"},
    )
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(mock_api.trips) == len(SEED) + 1


async def test_replay_of_a_refusal_keeps_its_status(mock_http: httpx.AsyncClient) -> None:
    for _ in range(2):
        response = await mock_http.put(
            "/trips/T-1001", json={"date": "bad"}, headers=write_headers()
        )
        assert response.status_code == 422
    assert response.headers["Idempotent-Replayed"] == "true"


async def test_key_reused_for_another_request_is_409(mock_http: httpx.AsyncClient) -> None:
    await mock_http.put("/trips/T-1001", json={"origin": "Apodaca"}, headers=write_headers())
    for path, origin in [("/trips/T-1001", "Escobedo"), ("/trips/T-1002", "Apodaca")]:
        response = await mock_http.put(path, json={"origin": origin}, headers=write_headers())
        assert response.status_code == 409
        assert response.json()["error"] == "idempotency_key_reused"


async def test_token_is_required_when_configured() -> None:
    mock = MockClientApi(token="s3cret")
    mock.seed(SEED)
    async with serving(mock) as url, httpx.AsyncClient(base_url=url) as http:
        assert (await http.get("/trips/T-1001")).status_code == 401
        wrong = await http.get("/trips/T-1001", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "unauthorized"
        right = await http.get("/trips/T-1001", headers={"Authorization": "Bearer s3cret"})
        assert right.status_code == 200
        # The /_mock/ helpers are not part of the client's contract.
        assert (await http.get("/_mock/trips")).status_code == 200


# --- /_mock/ helpers --------------------------------------------------------------------


async def test_request_log(mock_http: httpx.AsyncClient) -> None:
    await mock_http.get("/trips/T-1001", headers={"X-Request-Id": "r1"})
    await mock_http.put("/trips/T-1001", json={"origin": "A"}, headers=write_headers("k"))
    await mock_http.put("/trips/T-1001", json={"origin": "A"}, headers=write_headers("k"))
    writes = (await mock_http.get("/_mock/requests")).json()["requests"]
    assert [(w["method"], w["idempotency_key"], w["replayed"]) for w in writes] == [
        ("PUT", "k", False),
        ("PUT", "k", True),
    ]
    everything = (await mock_http.get("/_mock/requests", params={"all": "true"})).json()
    assert everything["requests"][0] == {
        "method": "GET",
        "path": "/trips/T-1001",
        "idempotency_key": None,
        "request_id": "r1",
        "status": 200,
        "replayed": False,
    }


async def test_reset_replaces_the_store(mock_http: httpx.AsyncClient) -> None:
    await mock_http.put("/trips/T-1001", json={"origin": "A"}, headers=write_headers())
    response = await mock_http.post("/_mock/reset", json={"trips": [SEED[2]]})
    assert response.json() == {"trips": 1}
    assert (await mock_http.get("/_mock/trips")).json() == {"trips": [SEED[2]]}
    assert (await mock_http.get("/_mock/requests")).json() == {"requests": []}
    bad = await mock_http.post("/_mock/reset", json={"trips": [{"trip_id": "T-1"}]})
    assert bad.status_code == 422
    assert (await mock_http.get("/_mock/trips")).json() == {"trips": [SEED[2]]}


async def test_status_faults_hit_the_next_requests(mock_http: httpx.AsyncClient) -> None:
    await mock_http.post("/_mock/faults", json={"status": 503, "count": 2})
    statuses = [(await mock_http.get("/trips/T-1001")).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


async def test_delay_fault_slows_the_next_request(mock_http: httpx.AsyncClient) -> None:
    await mock_http.post("/_mock/faults", json={"delay_seconds": 1.0})
    with pytest.raises(httpx.ReadTimeout):
        await mock_http.get("/trips/T-1001", timeout=0.2)
    assert (await mock_http.get("/trips/T-1001")).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{}, {"status": 200}, {"status": 503, "count": -1}, {"delay_seconds": "1"}, {"colour": 1}],
)
async def test_bad_faults_are_refused(mock_http: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await mock_http.post("/_mock/faults", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_fault"


async def test_fault_count_zero_clears(mock_http: httpx.AsyncClient) -> None:
    await mock_http.post("/_mock/faults", json={"status": 503, "count": 5})
    assert (await mock_http.post("/_mock/faults", json={"count": 0})).json() == {"pending": 0}
    assert (await mock_http.get("/trips/T-1001")).status_code == 200


# --- seed files ----------------------------------------------------------------------------

YAML_SEED = """\
trips:
  - trip_id: T-1
    driver_id: D-01
    origin: Monterrey
    destination: Saltillo
    date: 2025-03-14
"""


def test_load_seed_yaml(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(YAML_SEED)
    assert load_seed(path) == [
        {
            "trip_id": "T-1",
            "driver_id": "D-01",
            "origin": "Monterrey",
            "destination": "Saltillo",
            "date": "2025-03-14",
            "status": "pending",
        }
    ]


def test_load_seed_json_bare_list(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(SEED))
    assert load_seed(path) == SEED


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("seed.json", "{not json", "does not parse"),
        ("seed.yaml", "trips: [unclosed", "does not parse"),
        ("seed.yaml", "trips: 3", "list of trips"),
        ("seed.json", '{"trips": [{"trip_id": "T-1"}]}', "trip #1: missing fields"),
        ("seed.json", json.dumps([SEED[0], {**SEED[1], "date": "soon"}]), "trip #2: date"),
        ("seed.yaml", "- just a string", "trip #1: a trip must be an object"),
    ],
)
def test_bad_seed_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(SeedError, match=message) as caught:
        load_seed(path)
    assert str(path) in str(caught.value)


def test_missing_seed_file(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot read"):
        load_seed(tmp_path / "absent.yaml")


async def test_serve_mock_with_seed_and_token(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(YAML_SEED)
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()
    task = asyncio.create_task(serve_mock("127.0.0.1", port, path, "tok"))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            response = await _get_when_up(http, "/trips/T-1", {"Authorization": "Bearer tok"})
        assert response.status_code == 200
        assert response.json()["origin"] == "Monterrey"
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def _get_when_up(
    http: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> httpx.Response:
    """serve_mock binds inside its task; retry the connection until it listens."""
    for _ in range(200):
        try:
            return await http.get(path, headers=headers)
        except httpx.ConnectError:
            await asyncio.sleep(0.01)
    raise AssertionError("the mock never started listening")
