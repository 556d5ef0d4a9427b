"""Webhook subscriptions and the telephony-session notifications the emulator posts.

Creating a subscription runs RingCentral's handshake: a bodiless POST with a random
`Validation-Token` that the receiver must echo in a 200, or creation fails with SUB-525.
Each notification is posted with the subscription's `Verification-Token`, in the body
shape of ringcentral.md §3, to every active subscription that filters telephony sessions.
Delivery is at most once, as RingCentral's: a failed post is logged, never retried.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import httpx

from devstack.telephony_emulator.model import (
    INBOUND,
    OUTBOUND,
    EmulatedCall,
    EmulatedSubscription,
    EmulatorError,
    now,
)
from shared.observability.logging import get_logger

ACCOUNT_ID = "100000001"
EXTENSION_ID = "100000002"
USER_AGENT = "RingCentral-Webhook/8.3 (telephony emulator)"
DEFAULT_EXPIRES_IN = 604_800

_log = get_logger(__name__)


class WebhookDesk:
    def __init__(self, timeout_seconds: float = 3.0) -> None:
        # RingCentral gives a webhook 3 s to answer; so does the emulator.
        self._http = httpx.AsyncClient(timeout=timeout_seconds)
        self.subscriptions: dict[str, EmulatedSubscription] = {}

    async def aclose(self) -> None:
        await self._http.aclose()

    def add(self, address: str, verification_token: str) -> EmulatedSubscription:
        """A subscription that exists already, as if created when Karla was deployed."""
        subscription = EmulatedSubscription(
            str(uuid.uuid4()),
            address,
            verification_token,
            ["/restapi/v1.0/account/~/extension/~/telephony/sessions"],
            DEFAULT_EXPIRES_IN,
        )
        self.subscriptions[subscription.id] = subscription
        return subscription

    async def subscribe(self, request: dict[str, Any]) -> EmulatedSubscription:
        filters = request.get("eventFilters")
        delivery = request.get("deliveryMode")
        if not isinstance(filters, list) or not filters or not isinstance(delivery, dict):
            raise EmulatorError(400, "CMN-101", "eventFilters and deliveryMode are required")
        address = delivery.get("address")
        if delivery.get("transportType") != "WebHook" or not isinstance(address, str):
            raise EmulatorError(400, "SUB-522", "WebHook transport with an address is required")
        if not await self._handshake(address):
            raise EmulatorError(400, "SUB-525", "WebHook server response is invalid")
        token = delivery.get("verificationToken") or delivery.get("validationToken") or ""
        expires_in = request.get("expiresIn")
        subscription = self.add(address, str(token))
        subscription.event_filters = [str(item) for item in filters]
        if isinstance(expires_in, int) and expires_in > 0:
            subscription.expires_in = expires_in
        return subscription

    def get(self, subscription_id: str) -> EmulatedSubscription:
        subscription = self.subscriptions.get(subscription_id)
        if subscription is None:
            raise EmulatorError(404, "SUB-504", "Subscription not found")
        return subscription

    async def _handshake(self, address: str) -> bool:
        token = secrets.token_hex(16)
        try:
            response = await self._http.post(
                address, headers={"Validation-Token": token, "User-Agent": USER_AGENT}
            )
        except httpx.HTTPError as exc:
            _log.warning("webhook_handshake_failed", address=address, error=str(exc))
            return False
        return response.status_code == 200 and response.headers.get("Validation-Token") == token

    async def publish(self, call: EmulatedCall, parties: list[dict[str, Any]]) -> None:
        """Post one notification about `call` (one sequence number) to every subscriber."""
        body = {
            "sequence": call.next_sequence(),
            "sessionId": str(int(call.telephony_session_id[2:12], 16)),
            "telephonySessionId": call.telephony_session_id,
            "serverId": "telephony-emulator",
            "eventTime": _iso_now(),
            "origin": {"type": "CallOut" if call.direction == OUTBOUND else "Call"},
            "parties": parties,
        }
        for subscription in list(self.subscriptions.values()):
            if subscription.status == "Active" and subscription.wants_telephony:
                await self._deliver(subscription, body)

    async def _deliver(self, subscription: EmulatedSubscription, body: dict[str, Any]) -> None:
        notification = {
            "uuid": str(secrets.randbits(63)),
            "event": f"/restapi/v1.0/account/{ACCOUNT_ID}/extension/{EXTENSION_ID}"
            "/telephony/sessions",
            "timestamp": _iso_now(),
            "subscriptionId": subscription.id,
            "ownerId": EXTENSION_ID,
            "body": body,
        }
        headers = {"User-Agent": USER_AGENT}
        if subscription.verification_token:
            headers["Verification-Token"] = subscription.verification_token
        try:
            response = await self._http.post(
                subscription.address, json=notification, headers=headers
            )
        except httpx.HTTPError as exc:
            _log.warning("webhook_delivery_failed", address=subscription.address, error=str(exc))
            return
        if response.status_code != 200:
            _log.warning(
                "webhook_delivery_refused",
                address=subscription.address,
                status=response.status_code,
            )


def our_party(call: EmulatedCall) -> dict[str, Any]:
    """The party Karla's extension owns and hears about: the bridge device's leg of a
    call-out, or Karla's extension ringing for an inbound call."""
    return _party(call, call.party_id, call.direction, call.status, call.reason)


def callee_party(call: EmulatedCall, status_code: str) -> dict[str, Any]:
    """The driver's side of a call-out; only its voicemail pickup is reported
    (ringcentral.md §3)."""
    return _party(call, call.callee_party_id, INBOUND, status_code, None)


def _party(
    call: EmulatedCall, party_id: str, direction: str, code: str, reason: str | None
) -> dict[str, Any]:
    status: dict[str, Any] = {"code": code, "rcc": False}
    if reason is not None:
        status["reason"] = reason
    karla = {"phoneNumber": call.from_number, "extensionId": EXTENSION_ID}
    driver = {"phoneNumber": call.to_number}
    if call.direction == OUTBOUND:
        origin, target = {**karla, "deviceId": call.device_id}, driver
    else:
        origin, target = driver, karla
    return {
        "accountId": ACCOUNT_ID,
        "extensionId": EXTENSION_ID,
        "id": party_id,
        "direction": direction,
        "from": origin,
        "to": target,
        "status": status,
        "missedCall": False,
        "standAlone": False,
        "muted": False,
    }


def _iso_now() -> str:
    return now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
