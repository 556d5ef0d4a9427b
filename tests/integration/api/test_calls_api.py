"""The trigger API as the client's operations system sees it, over a real socket."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import replace
from decimal import Decimal

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
from structlog.testing import capture_logs

from functions.api.deps import ApiDependencies
from shared.calls.open_calls import OpenCalls
from shared.calls.triggers import CallTriggers
from shared.domain.call import CallStatus, Outcome
from shared.domain.session import Usage
from shared.queue.local import RedisDispatchQueue
from shared.state.idempotency import IdempotencyStore, fingerprint_of
from shared.state.rate_limiter import TokenBucket
from shared.state.redis import create_redis
from tests.integration.api.support import AUTH, TOKEN, RunningApi, StartApi

T0 = dt.datetime(2025, 3, 10, 15, 0, tzinfo=dt.UTC)


def ids() -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:10]
    return f"DRV-{suffix}", f"TRIP-{suffix}"


def trigger(driver_id: str, trip_id: str, phone: str = "81 1234 5678") -> dict[str, str]:
    return {"driver_id": driver_id, "trip_id": trip_id, "phone": phone}


async def test_trigger_records_a_queued_call_and_queues_it(
    api: RunningApi, pg_pool: asyncpg.Pool
) -> None:
    driver_id, trip_id = ids()

    response = await api.client.post("/api/calls", json=trigger(driver_id, trip_id))

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert body["replayed"] is False
    assert response.headers["location"] == f"/api/calls/{body['call_id']}"
    row = await pg_pool.fetchrow("SELECT * FROM calls WHERE id = $1", uuid.UUID(body["call_id"]))
    assert row is not None
    assert (row["status"], row["direction"], row["phone"]) == (
        "queued",
        "outbound",
        "+528112345678",
    )
    assert (row["driver_id"], row["trip_id"]) == (driver_id, trip_id)
    assert [m.call_id for m in await api.queue.receive(wait_seconds=0)] == [body["call_id"]]


async def test_idempotency_key_replay_returns_the_same_call_and_queues_nothing(
    api: RunningApi,
) -> None:
    driver_id, trip_id = ids()
    headers = {"Idempotency-Key": f"op-{uuid.uuid4()}"}

    first = await api.client.post("/api/calls", json=trigger(driver_id, trip_id), headers=headers)
    again = await api.client.post(
        "/api/calls", json=trigger(driver_id, trip_id, "+52 81 1234 5678"), headers=headers
    )

    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json() == {**first.json(), "replayed": True}
    assert await api.queue.depth() == 1


async def test_idempotency_key_with_a_different_body_is_a_conflict(api: RunningApi) -> None:
    driver_id, trip_id = ids()
    headers = {"Idempotency-Key": f"op-{uuid.uuid4()}"}
    await api.client.post("/api/calls", json=trigger(driver_id, trip_id), headers=headers)

    response = await api.client.post(
        "/api/calls", json=trigger(driver_id, trip_id + "-B"), headers=headers
    )

    assert response.status_code == 409
    assert response.json()["error"] == "idempotency_conflict"
    assert await api.queue.depth() == 1


async def test_idempotency_key_outlives_its_redis_record(
    api: RunningApi, redis_prefix: str
) -> None:
    driver_id, trip_id = ids()
    headers = {"Idempotency-Key": f"op-{uuid.uuid4()}"}
    first = await api.client.post("/api/calls", json=trigger(driver_id, trip_id), headers=headers)
    redis = api.deps.redis
    await redis.delete(*[key async for key in redis.scan_iter(f"{redis_prefix}idem:*")])

    replays = [
        await api.client.post("/api/calls", json=trigger(driver_id, trip_id), headers=headers)
        for _ in range(2)
    ]
    conflict = await api.client.post(
        "/api/calls", json=trigger(driver_id, trip_id, "55 1234 5678"), headers=headers
    )

    assert [r.status_code for r in replays] == [200, 200]
    assert {r.json()["call_id"] for r in replays} == {first.json()["call_id"]}
    assert conflict.status_code == 409
    assert conflict.json()["error"] == "idempotency_conflict"
    assert await api.queue.depth() == 1


async def test_trigger_racing_an_unfinished_twin_is_told_to_retry(
    start_api: StartApi, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    driver_id, trip_id = ids()
    key = f"op-{uuid.uuid4()}"
    twin = IdempotencyStore(redis_client, redis_prefix, ttl_seconds=60)
    fingerprint = fingerprint_of(
        {"driver_id": driver_id, "trip_id": trip_id, "phone": "+528112345678"}
    )
    await twin.claim("trigger", key, fingerprint)  # a first request, still being handled

    def impatient(deps: ApiDependencies) -> ApiDependencies:
        triggers = CallTriggers(
            deps.audit.calls,
            IdempotencyStore(deps.redis, redis_prefix, ttl_seconds=60),
            RedisDispatchQueue(deps.redis, redis_prefix),
            OpenCalls(deps.pool),
            deps.audit.drivers,
            wait_seconds=0,
        )
        return replace(deps, triggers=triggers)

    async with start_api(impatient) as api:
        response = await api.client.post(
            "/api/calls", json=trigger(driver_id, trip_id), headers={"Idempotency-Key": key}
        )

    assert response.status_code == 409
    assert response.json()["error"] == "in_progress"
    assert response.headers["retry-after"] == "1"
    assert await api.queue.depth() == 0


async def test_same_trip_twice_without_a_key_is_one_call(api: RunningApi) -> None:
    driver_id, trip_id = ids()

    first = await api.client.post("/api/calls", json=trigger(driver_id, trip_id))
    second = await api.client.post("/api/calls", json=trigger(driver_id, trip_id))

    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["call_id"] == first.json()["call_id"]
    assert await api.queue.depth() == 1


async def test_concurrent_identical_triggers_dial_once(api: RunningApi) -> None:
    driver_id, trip_id = ids()

    responses = await asyncio.gather(
        *(api.client.post("/api/calls", json=trigger(driver_id, trip_id)) for _ in range(8))
    )

    assert sorted(r.status_code for r in responses) == [200] * 7 + [202]
    assert len({r.json()["call_id"] for r in responses}) == 1
    assert await api.queue.depth() == 1


async def test_a_new_key_for_a_trip_with_an_open_call_gets_that_call(api: RunningApi) -> None:
    driver_id, trip_id = ids()
    body = trigger(driver_id, trip_id)
    first = await api.client.post("/api/calls", json=body, headers={"Idempotency-Key": trip_id})

    second = await api.client.post(
        "/api/calls", json=body, headers={"Idempotency-Key": f"{trip_id}-again"}
    )

    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["call_id"] == first.json()["call_id"]
    assert await api.queue.depth() == 1


async def test_a_finished_call_does_not_block_a_new_trigger(api: RunningApi) -> None:
    driver_id, trip_id = ids()
    first = (await api.client.post("/api/calls", json=trigger(driver_id, trip_id))).json()
    await api.deps.audit.calls.finish(
        first["call_id"], CallStatus.UNREACHABLE, Outcome.UNREACHABLE, "no answer", None, None, None
    )

    second = await api.client.post("/api/calls", json=trigger(driver_id, trip_id))

    assert second.status_code == 202
    assert second.json()["call_id"] != first["call_id"]


async def test_us_number_is_refused_naming_the_phone(api: RunningApi) -> None:
    driver_id, trip_id = ids()

    response = await api.client.post(
        "/api/calls", json=trigger(driver_id, trip_id, "+1 212 555 0100")
    )

    assert response.status_code == 422
    assert response.json() == {
        "error": "invalid_request",
        "reason": "body.phone: only Mexican numbers (+52) can be called",
    }
    assert await api.queue.depth() == 0


async def test_letters_for_a_phone_are_refused(api: RunningApi) -> None:
    driver_id, trip_id = ids()

    response = await api.client.post("/api/calls", json=trigger(driver_id, trip_id, "call me"))

    assert response.status_code == 422
    assert response.json()["reason"].startswith("body.phone: not a phone number")


async def test_malformed_bodies_get_a_json_reason(api: RunningApi) -> None:
    missing = await api.client.post("/api/calls", json={"driver_id": "D1", "trip_id": "T1"})
    bad_id = await api.client.post("/api/calls", json=trigger("D 1", "T1"))
    not_json = await api.client.post(
        "/api/calls", content=b"{", headers={"Content-Type": "application/json"}
    )

    assert missing.status_code == bad_id.status_code == not_json.status_code == 422
    assert missing.json()["reason"] == "body.phone: Field required"
    assert bad_id.json()["reason"].startswith("body.driver_id:")
    assert not_json.json()["error"] == "invalid_request"


async def test_bad_idempotency_keys_are_refused(api: RunningApi) -> None:
    driver_id, trip_id = ids()
    body = trigger(driver_id, trip_id)

    too_long = await api.client.post(
        "/api/calls", json=body, headers={"Idempotency-Key": "k" * 256}
    )
    twice = await api.client.post(
        "/api/calls", json=body, headers=[("Idempotency-Key", "a"), ("Idempotency-Key", "b")]
    )

    assert too_long.status_code == twice.status_code == 422
    assert too_long.json()["reason"].startswith("header.Idempotency-Key:")
    assert twice.json()["reason"] == "header.Idempotency-Key: send it once"
    assert await api.queue.depth() == 0


async def test_missing_or_wrong_bearer_is_refused(api: RunningApi) -> None:
    driver_id, trip_id = ids()
    async with httpx.AsyncClient(base_url=str(api.client.base_url)) as anonymous:
        missing = await anonymous.post("/api/calls", json=trigger(driver_id, trip_id))
        wrong = await anonymous.get("/api/calls", headers={"Authorization": "Bearer nope"})
        basic = await anonymous.get("/api/calls", headers={"Authorization": "Basic dXNlcg=="})
        doubled = await anonymous.get(
            "/api/calls", headers=[("Authorization", AUTH["Authorization"])] * 2
        )

    assert (
        missing.status_code == wrong.status_code == basic.status_code == doubled.status_code == 401
    )
    assert missing.json() == {"error": "unauthorized", "reason": "missing Authorization header"}
    assert missing.headers["www-authenticate"] == 'Bearer realm="karla"'
    assert wrong.json()["reason"] == "invalid bearer token"
    assert wrong.headers["www-authenticate"] == 'Bearer realm="karla", error="invalid_token"'
    assert await api.queue.depth() == 0


async def test_unconfigured_token_refuses_everyone(start_api: StartApi) -> None:
    async with start_api(api_token="") as api:
        response = await api.client.get("/api/calls")

    assert response.status_code == 401
    assert response.json()["reason"] == "API token not configured"


async def test_rate_limit_answers_429_with_retry_after(start_api: StartApi) -> None:
    async with start_api(api_rate_burst=2, api_rate_per_second=0.01) as api:
        answers = []
        for _ in range(3):
            driver_id, trip_id = ids()
            answers.append(await api.client.post("/api/calls", json=trigger(driver_id, trip_id)))
        metrics = (await api.client.get("/metrics")).text

    assert [a.status_code for a in answers] == [202, 202, 429]
    limited = answers[2]
    assert limited.json()["error"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    assert 'karla_rate_limited_total{scope="api"}' in metrics
    assert await api.queue.depth() == 2


async def test_get_call_returns_status_usage_transcript_and_tool_calls(api: RunningApi) -> None:
    driver_id, trip_id = ids()
    call_id = (await api.client.post("/api/calls", json=trigger(driver_id, trip_id))).json()[
        "call_id"
    ]
    audit = api.deps.audit
    await audit.turns.add(
        call_id, 0, "karla", "Hola, ¿hablo con Juan?", T0, T0 + dt.timedelta(seconds=2)
    )
    await audit.turns.add(
        call_id, 1, "driver", "Sí, soy yo", T0 + dt.timedelta(seconds=3),
        T0 + dt.timedelta(seconds=4), interrupted=True,
    )  # fmt: skip
    await audit.tool_calls.add(
        call_id, "tc-1", "validar_viaje", {"trip_id": trip_id}, {"ok": True}, "ready", None,
        182.5, "req-42",
    )  # fmt: skip
    usage = Usage(stt_audio_seconds=12.5, llm_input_tokens=900, llm_output_tokens=80)
    await audit.calls.finish(
        call_id, CallStatus.COMPLETED, Outcome.CONFIRMED, "trip confirmed", usage,
        Decimal("0.01234"), T0 + dt.timedelta(seconds=30),
    )  # fmt: skip

    response = await api.client.get(f"/api/calls/{call_id}")

    assert response.status_code == 200
    call = response.json()
    assert call["status"] == "completed"
    assert (call["outcome"], call["outcome_reason"]) == ("confirmed", "trip confirmed")
    assert (call["driver_id"], call["trip_id"], call["phone"]) == (
        driver_id,
        trip_id,
        "+528112345678",
    )
    assert call["attempts"] == 0
    assert call["usage"]["stt_audio_seconds"] == 12.5
    assert call["usage"]["llm_input_tokens"] == 900
    assert Decimal(call["cost_usd"]) == Decimal("0.01234")
    assert dt.datetime.fromisoformat(call["ended_at"]) == T0 + dt.timedelta(seconds=30)
    assert [(t["seq"], t["speaker"], t["interrupted"]) for t in call["transcript"]] == [
        (0, "karla", False),
        (1, "driver", True),
    ]
    assert call["transcript"][1]["text"] == "Sí, soy yo"
    assert call["tool_calls"] == [
        {
            "tool": "validar_viaje",
            "args": {"trip_id": trip_id},
            "result": {"ok": True},
            "readiness": "ready",
            "error": None,
            "latency_ms": 182.5,
            "client_request_id": "req-42",
            "created_at": call["tool_calls"][0]["created_at"],
        }
    ]


async def test_get_unknown_call_is_404_and_bad_id_is_422(api: RunningApi) -> None:
    unknown = await api.client.get(f"/api/calls/{uuid.uuid4()}")
    bad = await api.client.get("/api/calls/not-a-uuid")

    assert unknown.status_code == 404
    assert unknown.json()["error"] == "not_found"
    assert bad.status_code == 422
    assert bad.json()["reason"].startswith("path.call_id:")


async def test_list_filters_by_status_and_pages_through_all_calls(api: RunningApi) -> None:
    driver_id, _ = ids()
    created = []
    for n in range(5):
        body = (await api.client.post("/api/calls", json=trigger(driver_id, f"T-{n}"))).json()
        created.append(body["call_id"])
    await api.deps.audit.calls.finish(
        created[1], CallStatus.COMPLETED, Outcome.CONFIRMED, None, None, None, None
    )

    pages, cursor = [], None
    while True:
        params = {"driver_id": driver_id, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await api.client.get("/api/calls", params=params)).json()
        pages.append([item["call_id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    completed = await api.client.get(
        "/api/calls", params={"driver_id": driver_id, "status": "completed"}
    )

    assert [len(p) for p in pages] == [2, 2, 1]
    assert [call_id for page in pages for call_id in page] == created[::-1]
    assert [item["call_id"] for item in completed.json()["items"]] == [created[1]]
    assert completed.json()["next_cursor"] is None


async def test_list_filters_by_creation_window(api: RunningApi) -> None:
    driver_id, trip_id = ids()
    call_id = (await api.client.post("/api/calls", json=trigger(driver_id, trip_id))).json()[
        "call_id"
    ]
    far_past = {"driver_id": driver_id, "created_to": "2000-01-01T00:00:00Z"}
    around = {"driver_id": driver_id, "created_from": "2000-01-01T00:00:00+00:00"}

    assert (await api.client.get("/api/calls", params=far_past)).json()["items"] == []
    items = (await api.client.get("/api/calls", params=around)).json()["items"]
    assert [item["call_id"] for item in items] == [call_id]


async def test_list_refuses_bad_parameters_with_a_reason(api: RunningApi) -> None:
    cases = {
        "status": ({"status": "ringing"}, "query.status:"),
        "date": ({"created_from": "yesterday"}, "query.created_from:"),
        "naive date": (
            {"created_from": "2025-01-01T00:00:00"},
            "query.created_from: needs a time zone",
        ),
        "window": (
            {"created_from": "2025-02-01T00:00:00Z", "created_to": "2025-01-01T00:00:00Z"},
            "query.created_from: must be before created_to",
        ),
        "cursor": ({"cursor": "garbage"}, "query.cursor: invalid cursor"),
        "limit low": ({"limit": 0}, "query.limit:"),
        "limit high": ({"limit": 10_000}, "query.limit: at most 200"),
        "limit text": ({"limit": "ten"}, "query.limit:"),
    }
    for name, (params, reason) in cases.items():
        response = await api.client.get("/api/calls", params=params)
        assert response.status_code == 422, name
        assert response.json()["error"] == "invalid_request", name
        assert response.json()["reason"].startswith(reason), (name, response.json())


async def test_metrics_need_auth_and_count_requests_by_route_template(api: RunningApi) -> None:
    unknown_id = uuid.uuid4()
    await api.client.get(f"/api/calls/{unknown_id}")
    await api.client.get("/no/such/route")
    async with httpx.AsyncClient(base_url=str(api.client.base_url)) as anonymous:
        refused = await anonymous.get("/metrics")

    response = await api.client.get("/metrics")

    assert refused.status_code == 401
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        'karla_http_requests_total{method="GET",route="/api/calls/{call_id}",status="404"}' in text
    )
    assert 'karla_http_requests_total{method="GET",route="unmatched",status="404"}' in text
    assert 'karla_http_requests_total{method="GET",route="/metrics",status="401"}' in text
    assert (
        'karla_http_request_duration_seconds_count{method="GET",route="/api/calls/{call_id}"}'
        in text
    )
    assert str(unknown_id) not in text


async def test_unknown_route_and_method_are_json_errors(api: RunningApi) -> None:
    unknown = await api.client.get("/nope")
    wrong_method = await api.client.delete("/api/calls")

    assert unknown.status_code == 404
    assert unknown.json() == {"error": "not_found", "reason": "Not Found"}
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"] == "method_not_allowed"


async def test_healthz_checks_postgres_and_redis(api: RunningApi) -> None:
    async with httpx.AsyncClient(base_url=str(api.client.base_url)) as anonymous:
        response = await anonymous.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"postgres": "ok", "redis": "ok"}}


async def test_healthz_and_triggers_answer_503_when_redis_is_down(start_api: StartApi) -> None:
    dead_redis = create_redis("redis://:pw@127.0.0.1:9/0")  # discard port: nothing listens
    try:
        async with start_api(lambda deps: replace(deps, redis=dead_redis)) as api:
            health = await api.client.get("/healthz")
        limiter = TokenBucket(dead_redis, "unused:")
        async with start_api(lambda deps: replace(deps, rate_limiter=limiter)) as api:
            triggered = await api.client.post("/api/calls", json=trigger(*ids()))
    finally:
        await dead_redis.aclose()

    assert health.status_code == 503
    assert health.json() == {"status": "degraded", "checks": {"postgres": "ok", "redis": "down"}}
    assert triggered.status_code == 503
    assert triggered.json()["error"] == "unavailable"
    assert triggered.headers["retry-after"] == "5"


async def test_unexpected_errors_are_a_generic_500(
    start_api: StartApi, caplog: pytest.LogCaptureFixture
) -> None:
    class ExplodingCalls:
        async def get(self, call_id: object) -> None:
            raise RuntimeError("secret detail: postgres://user:hunter2@db")

    def explode(deps: ApiDependencies) -> ApiDependencies:
        return replace(deps, audit=replace(deps.audit, calls=ExplodingCalls()))

    async with start_api(explode) as api:
        with capture_logs() as logs:
            response = await api.client.get(f"/api/calls/{uuid.uuid4()}")
        metrics = (await api.client.get("/metrics")).text

    assert response.status_code == 500
    assert response.json() == {
        "error": "internal_error",
        "reason": "internal error; the request was logged",
    }
    assert "hunter2" not in response.text
    assert [log["error_type"] for log in logs if log["event"] == "api_unhandled_error"] == [
        "RuntimeError"
    ]
    assert not [r for r in caplog.records if "hunter2" in r.getMessage() or r.exc_info]
    assert 'route="/api/calls/{call_id}",status="500"' in metrics


async def test_openapi_documents_every_route_response_and_the_bearer_scheme(
    api: RunningApi,
) -> None:
    doc = (await api.client.get("/openapi.json")).json()

    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["bearer"]["description"],
    }
    expected = {
        ("/api/calls", "post"): {"200", "202", "401", "409", "422", "429", "500", "503"},
        ("/api/calls", "get"): {"200", "401", "422", "500", "503"},
        ("/api/calls/{call_id}", "get"): {"200", "401", "404", "422", "500", "503"},
        ("/api/campaigns", "post"): {"202", "401", "422", "429", "500", "503"},
        ("/api/campaigns/{campaign_id}", "get"): {"200", "401", "404", "422", "500", "503"},
        ("/metrics", "get"): {"200", "401", "500"},
        ("/healthz", "get"): {"200", "500", "503"},
    }
    documented = {
        (path, method): set(operation["responses"])
        for path, operations in doc["paths"].items()
        for method, operation in operations.items()
    }
    assert documented == expected
    for (path, method), _ in expected.items():
        operation = doc["paths"][path][method]
        assert operation["tags"] and operation["summary"]
        assert (operation.get("security") == [{"bearer": []}]) is (path != "/healthz")
    errors = doc["paths"]["/api/calls"]["post"]["responses"]["409"]["content"]
    assert errors["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert "HTTPValidationError" not in doc["components"]["schemas"]


async def test_trigger_log_masks_the_phone_and_never_holds_the_token(api: RunningApi) -> None:
    driver_id, trip_id = ids()
    with capture_logs() as logs:
        await api.client.post("/api/calls", json=trigger(driver_id, trip_id))

    triggered = [log for log in logs if log["event"] == "call_triggered"]
    assert len(triggered) == 1
    assert triggered[0]["phone"] == "+52******5678"
    assert TOKEN not in repr(logs)
    assert "8112345678" not in repr(logs)


async def test_trigger_remembers_the_driver_for_greetings_and_inbound_calls(start_api) -> None:
    driver_id, trip_id = ids()
    body = {**trigger(driver_id, trip_id), "driver_name": "Juan Pérez"}
    async with start_api() as api:
        response = await api.client.post("/api/calls", json=body)
        assert response.status_code == 202
        driver = await api.deps.audit.drivers.get(driver_id)
    assert driver is not None
    assert (driver.name, driver.phone) == ("Juan Pérez", "+528112345678")
