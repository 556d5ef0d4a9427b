"""How every RingCentral request is retried: 429 waits, 5xx backs off, other 4xx are final.

RingCentral penalises a (user, app, rate group) after a 429, and every request sent during
the penalty restarts it (ringcentral.md §6). So a 429 closes a per-group gate that holds
this process's other requests in that group until `Retry-After` has passed, and the retry
itself waits exactly `Retry-After` (30 s when absent, as the doc advises). An answer whose
`X-Rate-Limit-Remaining` is 0 closes the gate for `X-Rate-Limit-Window` before a 429 is
earned. Gates are keyed by each endpoint's group as the doc assigns them, since RingCentral
warns that its header group names may change. A pause longer than `max_retry_after` is not
slept here: a Lambda must not idle for a minute, so `RingCentralRateLimited` hands the
wait to the caller (the dispatcher re-delays its message).

Requests that are not idempotent (call-out, subscription create) are retried only when
RingCentral provably did not act: a 429, or a connection that never opened. After a 5xx
or a read timeout the phone may already be ringing, and dialling again would ring twice.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from shared.telephony.ringcentral.errors import RingCentralRateLimited, RingCentralUnavailable

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

DEFAULT_RETRY_AFTER_SECONDS = 30.0  # the doc: without Retry-After, wait at least 30 s
DEFAULT_WINDOW_SECONDS = 60.0  # the doc: limits count over a sliding 60 s window


class RateGroup(StrEnum):
    """RingCentral's rate-limit groups, as the doc assigns them to the endpoints we call."""

    AUTH = "Auth"
    HEAVY = "Heavy"
    MEDIUM = "Medium"
    LIGHT = "Light"


class _Retry(Exception):
    """One attempt failed in a way worth another try; `retry_after` set for a 429."""

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        maybe_processed: bool = True,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.maybe_processed = maybe_processed


class RequestPolicy:
    """Shared by the token manager and the client, so a 429 anywhere holds both back."""

    def __init__(
        self,
        *,
        max_attempts: int = 4,
        max_retry_after: float = 60.0,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self._max_attempts = max_attempts
        self._max_retry_after = max_retry_after
        self._backoff = wait_random_exponential(multiplier=backoff_base, max=backoff_max)
        self._sleep = sleep
        self._clock = clock
        self._blocked_until: dict[RateGroup, float] = {}

    async def send(
        self,
        http: httpx.AsyncClient,
        request: httpx.Request,
        *,
        group: RateGroup,
        idempotent: bool,
    ) -> httpx.Response:
        """The first answer below 500 other than 429; raise when none came within the cap."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retry),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            response: httpx.Response = await retrying(
                self._attempt, http, request, group, idempotent
            )
        except _Retry as exc:
            if exc.retry_after is not None:
                raise RingCentralRateLimited(exc.retry_after, group.value) from None
            raise RingCentralUnavailable(
                exc.reason, status=exc.status, maybe_processed=exc.maybe_processed
            ) from None
        return response

    def _wait(self, state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome is not None else None
        if isinstance(failure, _Retry) and failure.retry_after is not None:
            return failure.retry_after
        return float(self._backoff(state))

    async def _attempt(
        self,
        http: httpx.AsyncClient,
        request: httpx.Request,
        group: RateGroup,
        idempotent: bool,
    ) -> httpx.Response:
        remaining = self._blocked_until.get(group, 0.0) - self._clock()
        if remaining > self._max_retry_after:
            raise RingCentralRateLimited(remaining, group.value)
        if remaining > 0:
            await self._sleep(remaining)
        try:
            response = await http.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise _Retry(f"{type(exc).__name__}: {exc}", maybe_processed=False) from exc
        except httpx.TransportError as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if idempotent:
                raise _Retry(reason) from exc
            raise RingCentralUnavailable(reason, maybe_processed=True) from exc
        if response.headers.get("X-Rate-Limit-Remaining", "").strip() == "0":
            # The group's budget is spent: the next request would only earn a penalty.
            window = response.headers.get("X-Rate-Limit-Window")
            self._block(group, _seconds(window, DEFAULT_WINDOW_SECONDS))
        status = response.status_code
        if status == 429:
            retry_after = _seconds(response.headers.get("Retry-After"), DEFAULT_RETRY_AFTER_SECONDS)
            self._block(group, retry_after)
            if retry_after > self._max_retry_after:
                raise RingCentralRateLimited(retry_after, group.value)
            raise _Retry("429 Too Many Requests", status=429, retry_after=retry_after)
        if status >= 500:
            reason = f"{status} {response.reason_phrase}"
            if idempotent:
                raise _Retry(reason, status=status)
            raise RingCentralUnavailable(reason, status=status, maybe_processed=True)
        return response

    def _block(self, group: RateGroup, seconds: float) -> None:
        until = self._clock() + seconds
        self._blocked_until[group] = max(self._blocked_until.get(group, 0.0), until)


def _seconds(header: str | None, default: float) -> float:
    """A header's seconds; `default` when it is absent or unreadable."""
    try:
        seconds = float(header or "")
    except ValueError:
        return default
    return max(seconds, 0.0) if math.isfinite(seconds) else default
