"""`/api/campaigns` through the API Lambda: create a batch, read its progress."""

from __future__ import annotations

from typing import Any

from tests.integration.control_plane.lambdas import Lambdas
from tests.integration.control_plane.support import FakeClock, FakeDialer, api_event

LEGS = [
    {"driver_id": "D-1", "trip_id": "T-1", "phone": "55 1234 5678", "driver_name": "Juan"},
    {"driver_id": "D-2", "trip_id": "T-2", "phone": "81 2345 6789"},
]


def campaign(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Cierre semana 11",
        "window": {"start": "09:00", "end": "11:00", "timezone": "America/Mexico_City"},
        "legs": LEGS,
    }
    return body | changes


async def test_a_campaign_queues_its_legs_and_counts_them_by_status(
    lambdas: Lambdas, dialer: FakeDialer, clock: FakeClock
) -> None:
    status, created = await lambdas.api(api_event("POST", "/api/campaigns", campaign()))

    assert status == 202
    assert [(leg["driver_id"], leg["status"], leg["replayed"]) for leg in created["legs"]] == [
        ("D-1", "queued", False),
        ("D-2", "queued", False),
    ]
    assert created["window"] == {
        "start": "09:00:00",
        "end": "11:00:00",
        "timezone": "America/Mexico_City",
    }
    path = f"/api/campaigns/{created['campaign_id']}"
    _, progress = await lambdas.api(api_event("GET", path))
    assert (progress["total"], progress["finished"], progress["by_status"]["queued"]) == (2, 0, 2)
    assert set(progress["by_status"]) == {
        "queued", "waiting_window", "dialing", "in_progress", "retry_scheduled",
        "completed", "unreachable", "failed",
    }  # fmt: skip

    clock.now = clock.now.replace(hour=12)  # after the campaign's window, inside the default
    await lambdas.dispatch_queued()

    _, progress = await lambdas.api(api_event("GET", path))
    assert progress["by_status"]["waiting_window"] == 2
    assert dialer.dials == []
    clock.now = clock.now.replace(day=11, hour=9)
    await lambdas.scheduler("sweep")
    await lambdas.dispatch_queued()
    _, progress = await lambdas.api(api_event("GET", path))
    assert progress["by_status"]["dialing"] == 2
    assert len(dialer.dials) == 2


async def test_without_a_window_the_default_one_applies(lambdas: Lambdas) -> None:
    body = campaign()
    del body["window"]

    status, created = await lambdas.api(api_event("POST", "/api/campaigns", body))

    assert status == 202
    assert created["window"]["start"] == "08:00:00"


async def test_a_leg_with_an_open_call_gets_that_call_back(lambdas: Lambdas) -> None:
    _, first = await lambdas.api(api_event("POST", "/api/campaigns", campaign()))

    status, second = await lambdas.api(api_event("POST", "/api/campaigns", campaign(name="otra")))

    assert status == 202
    assert [leg["replayed"] for leg in second["legs"]] == [True, True]
    assert [leg["call_id"] for leg in second["legs"]] == [leg["call_id"] for leg in first["legs"]]


async def test_a_bad_leg_refuses_the_whole_campaign(lambdas: Lambdas) -> None:
    bad = [*LEGS, {"driver_id": "D-3", "trip_id": "T-3", "phone": "12"}]

    status, answer = await lambdas.api(api_event("POST", "/api/campaigns", campaign(legs=bad)))

    assert status == 422
    assert answer["reason"].startswith("body.legs[2].phone:")
    assert lambdas.queues.depth() == 0


async def test_the_same_leg_twice_is_refused(lambdas: Lambdas) -> None:
    status, answer = await lambdas.api(
        api_event("POST", "/api/campaigns", campaign(legs=[LEGS[0], LEGS[0]]))
    )

    assert status == 422
    assert answer["reason"] == "body.legs[1].trip_id: same driver and trip as legs[0]"


async def test_a_window_that_closes_before_it_opens_is_refused(lambdas: Lambdas) -> None:
    window = {"start": "20:00", "end": "08:00"}

    status, answer = await lambdas.api(api_event("POST", "/api/campaigns", campaign(window=window)))

    assert status == 422
    assert answer["reason"].startswith("body.window:")


async def test_an_unknown_campaign_is_a_404_and_the_token_is_required(lambdas: Lambdas) -> None:
    status, _ = await lambdas.api(
        api_event("GET", "/api/campaigns/0b9f3c52-4d1e-4a8e-9a57-0d4c2b7f5e11")
    )
    event = api_event("POST", "/api/campaigns", campaign())
    del event["headers"]["authorization"]
    unauthorized, _ = await lambdas.api(event)

    assert (status, unauthorized) == (404, 401)
