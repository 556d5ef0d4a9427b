"""The RingCentral telephony-session webhook, independent of the HTTP framework.

The `call_events` Lambda (API Gateway HTTP API) and any local server hand it the request's
headers and raw body and send back what it returns:
- the subscription handshake (a bodiless POST with `Validation-Token`): 200 echoing it,
  so RingCentral activates the subscription;
- a notification without our verification token: 401, nothing read;
- a body that is not a telephony-session notification: 400;
- otherwise each party event, in the session's `sequence` order, goes to
  `TelephonyEvents`, and the answer is 200 with what each one did.
RingCentral gives a webhook 3 seconds and may blacklist a slow one, so the work here is a
few row updates, never a call to RingCentral or the client's system.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from shared.calls.telephony_events import TelephonyEvents
from shared.observability.logging import get_logger
from shared.telephony.ringcentral import (
    MalformedNotification,
    handshake_headers,
    parse_notification,
    verify_sender,
)

_log = get_logger(__name__)
_JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class WebhookReply:
    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=lambda: dict(_JSON))


def _error(status: int, code: str, reason: str) -> WebhookReply:
    return WebhookReply(status, json.dumps({"error": code, "reason": reason}))


async def receive_webhook(
    headers: Mapping[str, str],
    body: bytes,
    verification_token: str,
    events: TelephonyEvents,
    now: dt.datetime,
) -> WebhookReply:
    handshake = handshake_headers(headers, body)
    if handshake is not None:
        _log.info("ringcentral_webhook_handshake")
        return WebhookReply(200, "", handshake)
    if not verify_sender(headers, verification_token):
        _log.warning("ringcentral_webhook_refused", detail="missing or wrong verification token")
        return _error(401, "unauthorized", "missing or wrong verification token")
    try:
        party_events = parse_notification(body)
    except MalformedNotification as exc:
        return _error(400, "invalid_notification", str(exc))
    effects = [
        (await events.handle(event, now)).value
        for event in sorted(party_events, key=lambda e: e.sequence)
    ]
    return WebhookReply(200, json.dumps({"effects": effects}))
