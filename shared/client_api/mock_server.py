"""A stand-in for the client's operations system that speaks exactly the /trips contract.

Tests drive it over real HTTP and the dev stack runs it in place of the client. Helper
endpoints under /_mock/ (not part of the contract, never behind the token) let tests and
demos read or replace the store, read the request log and make the next /trips requests
fail or stall, so retries, timeouts and the breaker can be exercised end to end.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from shared.client_api.asgi import (
    HttpError,
    Receive,
    Request,
    Response,
    Router,
    Scope,
    Send,
    read_request,
    run_lifespan,
    send_response,
)
from shared.client_api.mock_rules import (
    STATUSES,
    Fault,
    SeedError,
    Unprocessable,
    check_changes,
    check_new_trip,
    check_seed_trip,
    load_seed,
    parse_fault,
)
from shared.serving import bind_socket, serve_asgi

__all__ = ["MockClientApi", "SeedError", "bind_socket", "load_seed", "run_mock", "serve_mock"]

_WRITES = ("PUT", "POST")


@dataclass(frozen=True)
class _Replay:
    """The first answer to an Idempotency-Key and what the request looked like."""

    fingerprint: tuple[str, str, str]
    response: Response


class MockClientApi:
    """In-memory trips store behind an ASGI app; single event loop, no locking."""

    def __init__(self, token: str | None = None) -> None:
        self._token = token or None
        self._trips: dict[str, dict[str, str]] = {}
        self._replays: dict[str, _Replay] = {}
        self._log: list[dict[str, object]] = []
        self._fault: Fault | None = None
        self._next_number = 90001
        self._router = Router()
        self._router.add("GET", "/trips", self._list_trips)
        self._router.add("POST", "/trips", self._create_trip)
        self._router.add("GET", "/trips/{trip_id}", self._get_trip)
        self._router.add("PUT", "/trips/{trip_id}", self._update_trip)
        self._router.add("GET", "/_mock/trips", self._mock_trips)
        self._router.add("POST", "/_mock/reset", self._mock_reset)
        self._router.add("GET", "/_mock/requests", self._mock_requests)
        self._router.add("POST", "/_mock/faults", self._mock_faults)

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await self._asgi(scope, receive, send)

        # A plain function, not a bound method: servers sniff that to pick ASGI 3.
        self.app = app

    @property
    def trips(self) -> list[dict[str, str]]:
        """A copy of every stored trip."""
        return [dict(trip) for trip in self._trips.values()]

    @property
    def requests(self) -> list[dict[str, object]]:
        """Every /trips request since the last reset, oldest first, as `/_mock/requests`."""
        return [dict(entry) for entry in self._log]

    def seed(self, trips: Iterable[object]) -> None:
        """Add or replace trips by trip_id; all are checked before any is stored."""
        checked = [check_seed_trip(trip) for trip in trips]
        self._trips.update({trip["trip_id"]: trip for trip in checked})

    def reset(self, trips: Iterable[object] = ()) -> None:
        """A clean slate: these trips only, no idempotency keys, no log, no faults."""
        checked = [check_seed_trip(trip) for trip in trips]
        self._trips = {trip["trip_id"]: trip for trip in checked}
        self._replays.clear()
        self._log.clear()
        self._fault = None
        self._next_number = 90001

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await run_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = await read_request(scope, receive)
        if request.path == "/trips" or request.path.startswith("/trips/"):
            response = await self._serve_trips(request)
        else:
            response = await self._route(request)
        await send_response(send, response)

    async def _serve_trips(self, request: Request) -> Response:
        entry: dict[str, object] = {
            "method": request.method,
            "path": request.path,
            "idempotency_key": request.headers.get("idempotency-key"),
            "request_id": request.headers.get("x-request-id"),
            "status": None,
            "replayed": False,
        }
        self._log.append(entry)
        response = await self._contract(request)
        entry["status"] = response.status
        entry["replayed"] = "Idempotent-Replayed" in response.headers
        return response

    async def _contract(self, request: Request) -> Response:
        fault = self._take_fault()
        if fault is not None:
            await asyncio.sleep(fault.delay_seconds)
            if fault.status is not None:
                return _error(fault.status, "injected_fault", "fault injected through /_mock")
        if self._token is not None and not self._authorized(request):
            return _error(401, "unauthorized", "send Authorization: Bearer <token>")
        if request.method in _WRITES:
            return await self._idempotent(request)
        return await self._route(request)

    def _take_fault(self) -> Fault | None:
        fault = self._fault
        if fault is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._fault = None
        return fault

    def _authorized(self, request: Request) -> bool:
        sent = request.headers.get("authorization", "").encode("latin-1")
        return secrets.compare_digest(sent, f"Bearer {self._token}".encode())

    async def _idempotent(self, request: Request) -> Response:
        """Replay the first answer for a key; refuse the key for a different request."""
        key = request.headers.get("idempotency-key", "").strip()
        if not key:
            return _error(400, "missing_idempotency_key", "writes need an Idempotency-Key header")
        fingerprint = (request.method, request.path, _canonical(request.body))
        replay = self._replays.get(key)
        if replay is None:
            response = await self._route(request)
            self._replays[key] = _Replay(fingerprint, response)
            return response
        if replay.fingerprint != fingerprint:
            return _error(
                409,
                "idempotency_key_reused",
                f"Idempotency-Key {key!r} was already used for a different request",
            )
        headers = {**replay.response.headers, "Idempotent-Replayed": "true"}
        return replace(replay.response, headers=headers)

    async def _route(self, request: Request) -> Response:
        try:
            handler, request = self._router.resolve(request)
            return await handler(request)
        except HttpError as exc:
            return exc.response
        except Unprocessable as exc:
            return _error(422, exc.code, exc.reason)

    # --- the contract -------------------------------------------------------------------

    def _find(self, trip_id: str) -> dict[str, str]:
        try:
            return self._trips[trip_id]
        except KeyError:
            raise HttpError(404, "trip_not_found", f"no trip {trip_id!r}") from None

    async def _get_trip(self, request: Request) -> Response:
        return Response(200, dict(self._find(request.params["trip_id"])))

    async def _list_trips(self, request: Request) -> Response:
        driver_id = request.query.get("driver_id")
        if not driver_id:
            raise HttpError(422, "missing_driver_id", "the driver_id query parameter is required")
        status = request.query.get("status")
        if status is not None and status not in STATUSES:
            raise HttpError(422, "invalid_field", f"status must be one of {list(STATUSES)}")
        trips = [
            dict(trip)
            for trip in self._trips.values()
            if trip["driver_id"] == driver_id and status in (None, trip["status"])
        ]
        return Response(200, {"trips": trips})

    async def _update_trip(self, request: Request) -> Response:
        trip = self._find(request.params["trip_id"])
        trip.update(check_changes(request.json_object()))
        return Response(200, dict(trip))

    async def _create_trip(self, request: Request) -> Response:
        fields = check_new_trip(request.json_object())
        trip = {"trip_id": self._new_trip_id(), **fields}
        self._trips[trip["trip_id"]] = trip
        return Response(201, dict(trip))

    def _new_trip_id(self) -> str:
        """T-90001, T-90002, ...; numbers already taken by seeded trips are skipped."""
        while (trip_id := f"T-{self._next_number}") in self._trips:
            self._next_number += 1
        self._next_number += 1
        return trip_id

    # --- helpers for tests and demos ----------------------------------------------------

    async def _mock_trips(self, request: Request) -> Response:
        return Response(200, {"trips": self.trips})

    async def _mock_reset(self, request: Request) -> Response:
        trips = request.json_object().get("trips", [])
        if not isinstance(trips, list):
            raise HttpError(422, "invalid_body", 'expected {"trips": [...]}')
        self.reset(trips)
        return Response(200, {"trips": len(self._trips)})

    async def _mock_requests(self, request: Request) -> Response:
        """The write log; `?all=true` adds the reads."""
        everything = request.query.get("all", "").lower() in ("1", "true")
        entries = [e for e in self.requests if everything or e["method"] in _WRITES]
        return Response(200, {"requests": entries})

    async def _mock_faults(self, request: Request) -> Response:
        self._fault = parse_fault(request.json_object())
        return Response(200, {"pending": self._fault.remaining if self._fault else 0})


def _error(status: int, code: str, reason: str) -> Response:
    return Response(status, {"error": code, "reason": reason})


def _canonical(body: bytes) -> str:
    """The same JSON written differently is the same request."""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return body.decode("latin-1")


async def run_mock(mock: MockClientApi, sock: socket.socket) -> None:
    """Serve `mock` on `sock` until cancelled."""
    await serve_asgi(mock.app, sock)


async def serve_mock(host: str, port: int, seed_path: Path | None, token: str | None) -> None:
    """Run the mock client system on host:port until cancelled."""
    mock = MockClientApi(token=token)
    if seed_path is not None:
        mock.seed(load_seed(seed_path))
    await run_mock(mock, bind_socket(host, port))
