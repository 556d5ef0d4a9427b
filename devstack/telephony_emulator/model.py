"""What the telephony emulator scripts, remembers and answers with.

Records are plain dataclasses so tests and the local stack read them straight from the
Python API, and `as_json` gives the same view over the admin endpoints.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ENDED = frozenset({"Disconnected", "Gone"})


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Behaviour(StrEnum):
    """What the phone at a number does when the emulator dials it."""

    ANSWER = "answer"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    REJECT = "reject"


class EmulatorError(Exception):
    """Becomes an answer in RingCentral's error shape (`errorCode`, `message`).

    The OAuth endpoint also names the OAuth error (`error`, `error_description`).
    """

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        oauth_error: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.headers = headers or {}
        self.oauth_error = oauth_error

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "errorCode": self.error_code,
            "message": self.message,
            "errors": [{"errorCode": self.error_code, "message": self.message}],
        }
        if self.oauth_error is not None:
            body |= {"error": self.oauth_error, "error_description": self.message}
        return body


OUTBOUND = "Outbound"  # Karla's call-out
INBOUND = "Inbound"  # a driver calling Karla's number


@dataclass
class EmulatedCall:
    """One telephony session: our party and the driver's phone.

    `direction` is our party's: Outbound for a call-out (our party is the bridge device's
    leg), Inbound for a driver calling Karla (our party is Karla's extension, ringing the
    bridge). `says` is what the driver will say once the call is answered.
    """

    telephony_session_id: str
    party_id: str  # ours: what transfer, forward and hang-up address
    callee_party_id: str
    to_number: str  # the driver's phone
    from_number: str  # Karla's number
    device_id: str
    behaviour: Behaviour
    direction: str = OUTBOUND
    says: tuple[str, ...] = ()
    status: str = "Setup"
    reason: str | None = None
    sequence: int = 0
    created_at: dt.datetime = field(default_factory=now)
    media_task: asyncio.Task[None] | None = field(default=None, repr=False, compare=False)

    @property
    def live(self) -> bool:
        return self.status not in ENDED

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence


@dataclass(frozen=True)
class Fault:
    """Answer the next `times` matching requests with `status` instead of serving them."""

    status: int
    path_prefix: str = ""
    method: str | None = None
    times: int = 1
    retry_after: float | None = None

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.path_prefix) and self.method in (None, method)


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    status: int
    at: dt.datetime


@dataclass(frozen=True)
class Briefing:
    """The context Karla sent ahead of a transfer (the screen-pop a human would read)."""

    call_id: str
    driver_id: str
    trip_id: str | None
    reason: str
    summary: str
    destination: str


@dataclass(frozen=True)
class HumanAgentCall:
    """A call the simulated human agent took over: transferred by Karla mid-call, or
    forwarded to the queue while it rang (an inbound call Karla could not take)."""

    telephony_session_id: str
    party_id: str
    driver_number: str
    target: dict[str, str]  # the request body: {"extensionNumber": "..."} or similar
    agent: str
    briefing: Briefing | None
    at: dt.datetime
    how: str = "transfer"  # or "forward"


@dataclass(frozen=True)
class HangUp:
    telephony_session_id: str
    driver_number: str
    at: dt.datetime


@dataclass
class EmulatedSubscription:
    id: str
    address: str
    verification_token: str
    event_filters: list[str]
    expires_in: int
    status: str = "Active"

    @property
    def wants_telephony(self) -> bool:
        return any("/telephony/sessions" in item for item in self.event_filters)

    def to_wire(self) -> dict[str, Any]:
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.expires_in)
        return {
            "id": self.id,
            "uri": f"/restapi/v1.0/subscription/{self.id}",
            "eventFilters": self.event_filters,
            "disabledFilters": [],
            "expirationTime": expires.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "expiresIn": self.expires_in,
            "status": self.status,
            "deliveryMode": {
                "transportType": "WebHook",
                "address": self.address,
                "verificationToken": self.verification_token,
            },
        }


def as_json(record: Any) -> Any:
    """Records (nested, in lists) as JSON-ready data; fields hidden from repr stay out."""
    if isinstance(record, list):
        return [as_json(item) for item in record]
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {
            item.name: as_json(getattr(record, item.name))
            for item in dataclasses.fields(record)
            if item.repr
        }
    if isinstance(record, dt.datetime):
        return record.isoformat()
    return record
