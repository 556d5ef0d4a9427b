"""Accepting a call trigger: validate, deduplicate, record, queue. Never dial twice.

Two guards keep one trigger to one dial:
- an `Idempotency-Key` is claimed in Redis (scope "trigger"); the same key with the same
  request replays the first call, with another request it is a conflict. The calls table's
  unique `idempotency_key` is the backstop once the Redis record has expired.
- whatever the key, an open call (status not final) for the same driver and trip is
  returned instead of a new one. A short Redis claim on the driver/trip pair makes that
  check-then-insert atomic across API instances.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from shared.calls.open_calls import OpenCalls
from shared.db.repositories import (
    CallRecord,
    CallRepository,
    DriverRepository,
    DuplicateIdempotencyKey,
)
from shared.domain.call import CallStatus, Direction
from shared.domain.phone import InvalidPhoneNumber, mask_phone, normalize_mx_phone
from shared.observability.logging import get_logger
from shared.observability.metrics import CALLS_TRIGGERED
from shared.queue import DispatchMessage, DispatchQueue
from shared.state.idempotency import Claim, ClaimState, IdempotencyStore, fingerprint_of

MAX_ID_LENGTH = 64
ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
_ID = re.compile(ID_PATTERN)
_KEY_SCOPE = "trigger"
_TRIP_SCOPE = "trigger-trip"
_POLL_SECONDS = 0.05
_CONFLICT = "Idempotency-Key was already used with a different request"

_log = get_logger(__name__)


class InvalidTrigger(ValueError):
    """A field of the trigger is unusable; `field` names it, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class IdempotencyConflict(Exception):
    """The Idempotency-Key was already used for a different request."""


class TriggerInProgress(Exception):
    """An identical trigger is being handled right now; retrying shortly gets its call."""


@dataclass(frozen=True)
class TriggerResult:
    call: CallRecord
    replayed: bool  # True: an earlier trigger's call, nothing new written or queued


class CallTriggers:
    def __init__(
        self,
        calls: CallRepository,
        idempotency: IdempotencyStore,
        queue: DispatchQueue,
        open_calls: OpenCalls,
        drivers: DriverRepository,
        wait_seconds: float = 2.0,
    ) -> None:
        self._calls = calls
        self._idempotency = idempotency
        self._queue = queue
        self._open_calls = open_calls
        self._drivers = drivers
        self._wait_seconds = wait_seconds  # how long to wait out a concurrent twin

    async def request_call(
        self,
        driver_id: str,
        trip_id: str,
        phone_raw: str,
        idempotency_key: str | None,
        driver_name: str | None = None,
        *,
        campaign_id: uuid.UUID | None = None,
    ) -> TriggerResult:
        """Queue a call (tagged with `campaign_id` when a campaign asks) or replay one."""
        phone = validate_trigger(driver_id, trip_id, phone_raw)
        # Karla greets the driver by name and recognises the number when they call in.
        await self._drivers.upsert(driver_id, phone, driver_name)
        if idempotency_key is None:
            result = await self._open_or_create(driver_id, trip_id, phone, None, None, campaign_id)
        else:
            fingerprint = fingerprint_of(
                {"driver_id": driver_id, "trip_id": trip_id, "phone": phone}
            )
            result = await self._keyed(driver_id, trip_id, phone, idempotency_key, fingerprint)
        _log.info(
            "call_triggered",
            call_id=str(result.call.id),
            driver_id=driver_id,
            trip_id=trip_id,
            phone=mask_phone(phone),
            replayed=result.replayed,
        )
        return result

    async def _keyed(
        self, driver_id: str, trip_id: str, phone: str, key: str, fingerprint: str
    ) -> TriggerResult:
        claim = await self._claim(_KEY_SCOPE, key, fingerprint)
        if claim.state is ClaimState.IN_PROGRESS:
            raise TriggerInProgress("a request with this Idempotency-Key is still in progress")
        if claim.state is ClaimState.MISMATCH:
            raise IdempotencyConflict(_CONFLICT)
        try:
            # The row decides, not the claim: the Redis record may have expired meanwhile.
            earlier = await self._calls.get_by_idempotency_key(key)
            if earlier is not None:
                result = _replay(earlier, fingerprint)
            else:
                result = await self._open_or_create(driver_id, trip_id, phone, key, fingerprint)
        except BaseException:
            if claim.state is ClaimState.NEW:
                await self._idempotency.release(_KEY_SCOPE, key)
            raise
        if claim.state is ClaimState.NEW:
            await self._idempotency.complete(
                _KEY_SCOPE, key, fingerprint, {"call_id": str(result.call.id)}
            )
        return result

    async def _open_or_create(
        self,
        driver_id: str,
        trip_id: str,
        phone: str,
        key: str | None,
        fingerprint: str | None,
        campaign_id: uuid.UUID | None = None,
    ) -> TriggerResult:
        async with self._trip_claimed(driver_id, trip_id):
            open_id = await self._open_calls.find(driver_id, trip_id)
            open_call = await self._calls.get(open_id) if open_id is not None else None
            if open_call is not None:
                return TriggerResult(open_call, replayed=True)
            try:
                call = await self._calls.create(
                    uuid.uuid4(), driver_id, trip_id, phone, Direction.OUTBOUND,
                    CallStatus.QUEUED, idempotency_key=key, request_fingerprint=fingerprint,
                    campaign_id=campaign_id,
                )  # fmt: skip
            except DuplicateIdempotencyKey as exc:  # a twin won the race past Redis
                return _replay(exc.existing, fingerprint)
            # A failed send leaves the row queued without a message: the scheduler's sweep
            # of stuck calls re-queues it, and a retried trigger finds it open meanwhile.
            await self._queue.send(DispatchMessage(call_id=str(call.id)))
        CALLS_TRIGGERED.inc()
        return TriggerResult(call, replayed=False)

    @asynccontextmanager
    async def _trip_claimed(self, driver_id: str, trip_id: str) -> AsyncIterator[None]:
        """Hold the driver/trip pair while checking for an open call and inserting one."""
        pair = f"{driver_id}/{trip_id}"  # "/" cannot occur in an id
        claim = await self._claim(_TRIP_SCOPE, pair, "held")
        if claim.state is not ClaimState.NEW:
            raise TriggerInProgress(
                f"another trigger for driver {driver_id} and trip {trip_id} is in progress"
            )
        try:
            yield
        finally:
            await self._idempotency.release(_TRIP_SCOPE, pair)

    async def _claim(self, scope: str, key: str, fingerprint: str) -> Claim:
        """Claim, waiting up to `wait_seconds` while a concurrent twin holds it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_seconds
        claim = await self._idempotency.claim(scope, key, fingerprint)
        while claim.state is ClaimState.IN_PROGRESS and loop.time() < deadline:
            await asyncio.sleep(_POLL_SECONDS)
            claim = await self._idempotency.claim(scope, key, fingerprint)
        return claim


def _replay(earlier: CallRecord, fingerprint: str | None) -> TriggerResult:
    if earlier.request_fingerprint != fingerprint:
        raise IdempotencyConflict(_CONFLICT)
    return TriggerResult(earlier, replayed=True)


def validate_trigger(driver_id: str, trip_id: str, phone_raw: str) -> str:
    """The phone as E.164 when the trigger's fields are usable; `InvalidTrigger` if not."""
    _check_id("driver_id", driver_id)
    _check_id("trip_id", trip_id)
    try:
        return normalize_mx_phone(phone_raw)
    except InvalidPhoneNumber as exc:
        raise InvalidTrigger("phone", str(exc)) from None


def _check_id(field: str, value: str) -> None:
    if not 1 <= len(value) <= MAX_ID_LENGTH:
        raise InvalidTrigger(field, f"must be 1 to {MAX_ID_LENGTH} characters")
    if not _ID.fullmatch(value):
        raise InvalidTrigger(field, "only letters, digits and _ . : - are allowed")
