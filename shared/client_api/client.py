"""Async adapter for the client's /trips API: retries, a circuit breaker and field mapping.

Every failed *attempt* (5xx, timeout, connection error) counts towards the breaker, so a
down client trips it after `breaker_threshold` attempts rather than that many retried calls;
4xx answers prove the client is up and count as successes. Writes are retried safely
because every attempt carries the same Idempotency-Key.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OPENED, OpenedState
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from shared.client_api.errors import (
    ClientApiPayloadError,
    ClientApiRejected,
    ClientApiUnavailable,
    TripNotFound,
)
from shared.client_api.mapping import FieldMap
from shared.config import Settings
from shared.domain.trip import Trip
from shared.http_client import OwnsHttpClient
from shared.observability.metrics import CLIENT_API_REQUESTS

if TYPE_CHECKING:
    from purgatory.service._async.circuitbreaker import AsyncCircuitBreaker

UPDATABLE_FIELDS = frozenset({"origin", "destination", "date", "status"})
_CIRCUIT = "client_api"


class _ServerError(Exception):
    """A 5xx answer, raised inside the breaker so it counts as a failure and is retried."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


_RETRYABLE = (_ServerError, httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class TripWrite:
    """A write the client accepted; request_id is the X-Request-Id sent, for the audit."""

    trip: Trip
    request_id: str
    replayed: bool


class TripsClient(OwnsHttpClient):
    """One per process: the breaker state lives in memory inside it."""

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout_seconds: float,
        max_attempts: int,
        breaker_threshold: int,
        breaker_reset_seconds: float,
        field_map: FieldMap,
        *,
        backoff_base_seconds: float = 0.2,
        backoff_max_seconds: float = 2.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.AsyncClient(
            base_url=base_url, headers=headers, timeout=timeout_seconds, transport=transport
        )
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base_seconds
        self._backoff_max = backoff_max_seconds
        self._field_map = field_map
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=breaker_threshold, default_ttl=breaker_reset_seconds
        )
        self._breaker: AsyncCircuitBreaker | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> TripsClient:
        return cls(
            base_url=settings.client_api_base_url,
            token=settings.client_api_token.get_secret_value(),
            timeout_seconds=settings.client_api_timeout_seconds,
            max_attempts=settings.client_api_max_attempts,
            breaker_threshold=settings.client_api_breaker_threshold,
            breaker_reset_seconds=settings.client_api_breaker_reset_seconds,
            field_map=FieldMap.from_settings(settings),
        )

    @property
    def breaker_open(self) -> bool:
        """True while calls fail fast; after the reset time the next call is let through."""
        if self._breaker is None:
            return False
        context = self._breaker.context
        opened_at = context.opened_at
        return (
            context.state == OPENED
            and opened_at is not None
            and time.time() <= opened_at + context.ttl
        )

    async def get_trip(self, trip_id: str) -> Trip | None:
        """The trip, or None when the client does not know it."""
        response, _ = await self._call("get_trip", "GET", _trip_path(trip_id), not_found_ok=True)
        if response.status_code == 404:
            return None
        return self._field_map.trip_from_wire(_json(response))

    async def list_trips(self, driver_id: str, status: str | None = None) -> list[Trip]:
        params = {self._field_map.wire_name("driver_id"): driver_id}
        if status is not None:
            params[self._field_map.wire_name("status")] = status
        response, _ = await self._call("list_trips", "GET", "/trips", params=params)
        payload = _json(response)
        trips = payload.get("trips") if isinstance(payload, Mapping) else None
        if not isinstance(trips, list):
            raise ClientApiPayloadError('expected {"trips": [...]} from the client')
        return [self._field_map.trip_from_wire(item) for item in trips]

    async def update_trip(
        self, trip_id: str, changes: dict[str, str], idempotency_key: str
    ) -> TripWrite:
        """Partial update; `changes` uses Karla's names among origin/destination/date/status."""
        unknown = set(changes) - UPDATABLE_FIELDS
        if unknown or not changes:
            raise ValueError(
                f"changes must name some of {sorted(UPDATABLE_FIELDS)}, got {sorted(changes)}"
            )
        response, request_id = await self._call(
            "update_trip",
            "PUT",
            _trip_path(trip_id),
            body=self._field_map.to_wire(changes),
            idempotency_key=idempotency_key,
            not_found_ok=True,
        )
        if response.status_code == 404:
            raise TripNotFound(trip_id, _reason(response))
        return self._write_result(response, request_id)

    async def create_trip(
        self,
        driver_id: str,
        origin: str,
        destination: str,
        date: dt.date,
        idempotency_key: str,
        status: str = "created",
    ) -> TripWrite:
        body = self._field_map.to_wire(
            {
                "driver_id": driver_id,
                "origin": origin,
                "destination": destination,
                "date": date,
                "status": status,
            }
        )
        response, request_id = await self._call(
            "create_trip", "POST", "/trips", body=body, idempotency_key=idempotency_key
        )
        return self._write_result(response, request_id)

    def _write_result(self, response: httpx.Response, request_id: str) -> TripWrite:
        replayed = response.headers.get("Idempotent-Replayed", "").lower() == "true"
        trip = self._field_map.trip_from_wire(_json(response))
        return TripWrite(trip=trip, request_id=request_id, replayed=replayed)

    async def _call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, object] | None = None,
        idempotency_key: str | None = None,
        not_found_ok: bool = False,
    ) -> tuple[httpx.Response, str]:
        """Send with retries behind the breaker; return 2xx (and 404 if asked), raise the rest.

        One X-Request-Id per call, shared by its retries like the Idempotency-Key, so the
        audit and the client's logs name the same operation.
        """
        request_id = uuid.uuid4().hex
        headers = {"X-Request-Id": request_id}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        request = self._http.build_request(method, path, params=params, json=body, headers=headers)
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=wait_random_exponential(multiplier=self._backoff_base, max=self._backoff_max),
            retry=retry_if_exception_type(_RETRYABLE),
            reraise=True,
        )
        try:
            response: httpx.Response = await retrying(self._attempt, request)
        except OpenedState:
            CLIENT_API_REQUESTS.labels(operation, "breaker_open").inc()
            raise ClientApiUnavailable(
                "circuit breaker is open; not calling the client", breaker_open=True
            ) from None
        except _ServerError as exc:
            CLIENT_API_REQUESTS.labels(operation, "unavailable").inc()
            raise ClientApiUnavailable(
                f"the client answered {exc.status}: {exc.reason}", status=exc.status
            ) from exc
        except httpx.TransportError as exc:
            CLIENT_API_REQUESTS.labels(operation, "unavailable").inc()
            raise ClientApiUnavailable(f"{type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if response.is_success or (status == 404 and not_found_ok):
            CLIENT_API_REQUESTS.labels(operation, "ok" if status != 404 else "not_found").inc()
            return response, request_id
        CLIENT_API_REQUESTS.labels(operation, "rejected").inc()
        raise ClientApiRejected(status, _reason(response), _error_code(response))

    async def _attempt(self, request: httpx.Request) -> httpx.Response:
        """One try through the breaker; raises OpenedState without sending when it is open."""
        if self._breaker is None:
            # A cancelled call (the driver hung up) says nothing about the client's health;
            # purgatory has no neutral outcome, so excluding it counts it as a success.
            self._breaker = await self._breakers.get_breaker(
                _CIRCUIT, exclude=[asyncio.CancelledError]
            )
        async with self._breaker:
            response = await self._http.send(request)
            if response.status_code >= 500:
                raise _ServerError(response.status_code, _reason(response))
        return response


def _trip_path(trip_id: str) -> str:
    return f"/trips/{quote(trip_id, safe='')}"


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ClientApiPayloadError(
            f"the client answered {response.status_code} with a body that is not JSON"
        ) from None


def _error_body(response: httpx.Response) -> Mapping[str, object]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, Mapping) else {}


def _reason(response: httpx.Response) -> str:
    reason = _error_body(response).get("reason")
    if isinstance(reason, str) and reason:
        return reason
    return response.text[:200] or response.reason_phrase


def _error_code(response: httpx.Response) -> str | None:
    code = _error_body(response).get("error")
    return code if isinstance(code, str) else None
