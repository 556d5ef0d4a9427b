"""Webhook subscriptions to telephony-session events: the request and the answer we keep.

The filter is extension-level (`~/extension/~`): the JWT user owns the media bridge's
device, so every call Karla places or receives is that extension's. Webhooks may live ten
years, so the expiry is set to the ceiling and a periodic renew (or re-create, when
RingCentral blacklisted the address) keeps delivery going.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.telephony.ringcentral.errors import RingCentralUnavailable

TELEPHONY_SESSIONS_FILTER = "/restapi/v1.0/account/~/extension/~/telephony/sessions"
WEBHOOK_MAX_EXPIRES_IN = 315_360_000


@dataclass(frozen=True)
class Subscription:
    id: str
    status: str  # Active | Suspended | Blacklisted
    address: str | None
    expires_in: int | None

    @property
    def active(self) -> bool:
        return self.status.lower() == "active"


def subscription_request(
    address: str, verification_token: str, event_filters: tuple[str, ...], expires_in: int
) -> dict[str, Any]:
    return {
        "eventFilters": list(event_filters),
        "deliveryMode": {
            "transportType": "WebHook",
            "address": address,
            "verificationToken": verification_token,
        },
        "expiresIn": expires_in,
    }


def parse_subscription(body: dict[str, Any]) -> Subscription:
    subscription_id, status = body.get("id"), body.get("status")
    if not isinstance(subscription_id, str) or not isinstance(status, str):
        raise RingCentralUnavailable("subscription answer without id/status")
    delivery = body.get("deliveryMode")
    address = delivery.get("address") if isinstance(delivery, dict) else None
    expires_in = body.get("expiresIn")
    return Subscription(
        subscription_id,
        status,
        address if isinstance(address, str) else None,
        expires_in if isinstance(expires_in, int) else None,
    )
