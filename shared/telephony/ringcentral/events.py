"""Telephony-session webhooks: the subscription handshake, the sender check, typed events.

Pure functions, no I/O: the `call_events` Lambda and the local webhook both feed them the
request's headers and body. One notification describes several parties of one session, so
it becomes one `PartyEvent` per party; `kind` folds RingCentral's status code and reason
into what the call FSM acts on (the mapping in ringcentral.md §3, which the doc itself marks
unconfirmed per carrier, so the raw code and reason travel along for the logs).
Notifications are unordered and may repeat: order by `sequence`, dedupe on `dedupe_key`.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.domain.call import AttemptResult

VALIDATION_TOKEN_HEADER = "Validation-Token"  # noqa: S105 (header names, not secrets)
VERIFICATION_TOKEN_HEADER = "Verification-Token"  # noqa: S105
TELEPHONY_SESSIONS_EVENT = "/telephony/sessions"


class EventKind(StrEnum):
    RINGING = "ringing"  # Setup, Proceeding
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    REJECTED = "rejected"
    FAILED = "failed"  # the network could not place the call (invalid number, blocked...)
    TRANSFERRED = "transferred"  # the party left for another session or a transfer target
    DISCONNECTED = "disconnected"  # ended for any other reason: hang-up, drop
    OTHER = "other"  # hold, park, fax: nothing the call FSM acts on


_ATTEMPT_RESULTS = {
    EventKind.ANSWERED: AttemptResult.ANSWERED,
    EventKind.NO_ANSWER: AttemptResult.NO_ANSWER,
    EventKind.BUSY: AttemptResult.BUSY,
    EventKind.VOICEMAIL: AttemptResult.VOICEMAIL,
    EventKind.REJECTED: AttemptResult.REJECTED,
    EventKind.FAILED: AttemptResult.FAILED,
}
_BY_STATUS = {
    "setup": EventKind.RINGING,
    "proceeding": EventKind.RINGING,
    "answered": EventKind.ANSWERED,
    # The guide table and the API spell these differently; codes are compared lower-case.
    "voicemail": EventKind.VOICEMAIL,
    "voicemailscreening": EventKind.VOICEMAIL,
    "vmscreening": EventKind.VOICEMAIL,
}
_BY_REASON = {
    "noanswer": EventKind.NO_ANSWER,
    "timeout": EventKind.NO_ANSWER,
    "targetbusy": EventKind.BUSY,
    "rejected": EventKind.REJECTED,
    **dict.fromkeys(
        (
            "invalidnumber",
            "internationaldisabled",
            "destinationblocked",
            "notenoughfunds",
            "nosuchuser",
            "internalerror",
        ),
        EventKind.FAILED,
    ),
    **dict.fromkeys(
        ("blindtransfer", "attendedtransfer", "rcctransfer", "dtmftransfer"),
        EventKind.TRANSFERRED,
    ),
}


class MalformedNotification(ValueError):
    """The body is not a telephony-session notification RingCentral would send."""


@dataclass(frozen=True)
class PartyEvent:
    kind: EventKind
    notification_id: str  # the notification's uuid
    telephony_session_id: str
    party_id: str
    sequence: int
    event_time: dt.datetime | None
    status_code: str
    reason: str | None
    direction: str | None
    from_number: str | None
    to_number: str | None
    peer_session_id: str | None = None  # where a `Gone` party went

    @property
    def attempt_result(self) -> AttemptResult | None:
        """How the dial ended, for the kinds that end (or answer) a dial attempt."""
        return _ATTEMPT_RESULTS.get(self.kind)

    @property
    def dedupe_key(self) -> str:
        return f"{self.notification_id}:{self.party_id}"


def event_kind(status_code: str, reason: str | None) -> EventKind:
    status = status_code.lower()
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status not in ("disconnected", "gone"):
        return EventKind.OTHER
    by_reason = _BY_REASON.get((reason or "").lower())
    if by_reason is not None:
        return by_reason
    # A `Gone` party moved to another session (status.peerId): the call left Karla.
    return EventKind.TRANSFERRED if status == "gone" else EventKind.DISCONNECTED


def parse_notification(payload: Mapping[str, Any] | bytes | str) -> list[PartyEvent]:
    """One event per party; [] for notifications on other filters (e.g. expiry reminders)."""
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except ValueError:
            raise MalformedNotification("the body is not JSON") from None
    if not isinstance(payload, Mapping):
        raise MalformedNotification("the body is not a JSON object")
    event = payload.get("event")
    if not isinstance(event, str) or TELEPHONY_SESSIONS_EVENT not in event:
        return []
    body = payload.get("body")
    if not isinstance(body, Mapping):
        raise MalformedNotification("notification without a body object")
    session_id = body.get("telephonySessionId")
    parties = body.get("parties")
    if not isinstance(session_id, str) or not isinstance(parties, list):
        raise MalformedNotification("body needs telephonySessionId and parties[]")
    sequence = body.get("sequence")
    common = {
        "notification_id": str(payload.get("uuid", "")),
        "telephony_session_id": session_id,
        "sequence": sequence if isinstance(sequence, int) else 0,
        "event_time": _timestamp(body.get("eventTime")),
    }
    return [_party_event(party, common) for party in parties]


def _party_event(party: object, common: Mapping[str, Any]) -> PartyEvent:
    if not isinstance(party, Mapping):
        raise MalformedNotification("a party is not an object")
    status = party.get("status")
    status = status if isinstance(status, Mapping) else {}
    party_id = party.get("id")
    code = status.get("code")
    if not isinstance(party_id, str) or not isinstance(code, str):
        raise MalformedNotification("a party needs id and status.code")
    reason = _str(status.get("reason"))
    peer = status.get("peerId")
    return PartyEvent(
        kind=event_kind(code, reason),
        party_id=party_id,
        status_code=code,
        reason=reason,
        direction=_str(party.get("direction")),
        from_number=_number(party.get("from")),
        to_number=_number(party.get("to")),
        peer_session_id=_str(peer.get("telephonySessionId")) if isinstance(peer, Mapping) else None,
        **common,
    )


def handshake_headers(headers: Mapping[str, str], body: bytes = b"") -> dict[str, str] | None:
    """The headers of the 200 (empty body) that confirms a new subscription, else None.

    RingCentral's creation handshake carries `Validation-Token` and no body. Older doc pages
    also call the per-notification secret `validation-token`, so a request that has a body
    is a notification, whatever its headers say.
    """
    token = _header(headers, VALIDATION_TOKEN_HEADER)
    if token is None or body.strip():
        return None
    return {VALIDATION_TOKEN_HEADER: token, "Content-Type": "application/json"}


def verify_sender(headers: Mapping[str, str], expected_token: str) -> bool:
    """True when the notification carries our verification token (either header name).

    Fails closed: with no token configured, nothing is accepted as coming from RingCentral.
    """
    if not expected_token:
        return False
    sent = _header(headers, VERIFICATION_TOKEN_HEADER) or _header(headers, VALIDATION_TOKEN_HEADER)
    return sent is not None and hmac.compare_digest(sent.encode(), expected_token.encode())


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive lookup: API Gateway lower-cases names, Starlette keeps them as sent."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _timestamp(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _number(endpoint: object) -> str | None:
    return _str(endpoint.get("phoneNumber")) if isinstance(endpoint, Mapping) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
