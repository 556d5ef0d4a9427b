"""Failures of the client's /trips API, sorted by what the caller can do about them.

`ClientApiRejected`: the client said no (4xx); sending the same request again cannot help.
`ClientApiUnavailable`: the client could not answer (5xx, timeouts, breaker open); later may.
"""

from __future__ import annotations


class ClientApiError(Exception):
    """Any failure talking to the client's /trips API."""


class ClientApiPayloadError(ClientApiError):
    """The client answered with a trip Karla cannot read (missing or invalid fields)."""


class ClientApiRejected(ClientApiError):
    """A 4xx answer: the request itself is wrong or conflicts; it is never retried."""

    def __init__(self, status: int, reason: str, code: str | None = None) -> None:
        super().__init__(f"client API rejected the request ({status}): {reason}")
        self.status = status
        self.reason = reason
        self.code = code


class TripNotFound(ClientApiRejected):
    """A write named a trip the client does not know (a rejection with status 404)."""

    def __init__(self, trip_id: str, reason: str | None = None) -> None:
        super().__init__(404, reason or f"trip {trip_id!r} not found", "trip_not_found")
        self.trip_id = trip_id


class ClientApiUnavailable(ClientApiError):
    """No usable answer after the retries, or the breaker refused to try at all."""

    def __init__(
        self, reason: str, *, breaker_open: bool = False, status: int | None = None
    ) -> None:
        super().__init__(f"client API unavailable: {reason}")
        self.reason = reason
        self.breaker_open = breaker_open
        self.status = status
