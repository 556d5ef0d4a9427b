"""Async RingCentral REST client: call-out, transfer, forward, hang-up, session webhooks.

Exactly the calls of ringcentral.md §2a, §3 and §4, over one httpx client. Call-out is the
Call Control one (not RingOut) because it answers with the telephony session and party ids
that every later event and control call names, and its first leg rings the media bridge's
device, which then carries the audio (DESIGN.md §3). A 401 means the token died early
(revoked, clock skew): the client drops it, takes a fresh one and sends once more.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from shared.config import Settings, SettingsError
from shared.http_client import OwnsHttpClient
from shared.telephony.ringcentral.auth import JwtCredentials, TokenManager
from shared.telephony.ringcentral.errors import (
    RingCentralAuthFailed,
    RingCentralRejected,
    RingCentralUnavailable,
)
from shared.telephony.ringcentral.retry import Clock, RateGroup, RequestPolicy
from shared.telephony.ringcentral.subscriptions import (
    TELEPHONY_SESSIONS_FILTER,
    WEBHOOK_MAX_EXPIRES_IN,
    Subscription,
    parse_subscription,
    subscription_request,
)
from shared.telephony.ringcentral.wire import json_object, rejection

API = "/restapi/v1.0"


@dataclass(frozen=True)
class CallLeg:
    """Our party in a RingCentral telephony session: what transfer and hang-up address."""

    telephony_session_id: str
    party_id: str


class RingCentralClient(OwnsHttpClient):
    """One per process: it holds the token cache and the rate-limit gate."""

    def __init__(
        self,
        server_url: str,
        credentials: JwtCredentials,
        device_id: str,
        *,
        timeout_seconds: float = 10.0,
        policy: RequestPolicy | None = None,
        clock: Clock = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=server_url,
            timeout=timeout_seconds,
            transport=transport,
            headers={"Accept": "application/json"},
        )
        self._device_id = device_id
        self._policy = policy if policy is not None else RequestPolicy(clock=clock)
        self._tokens = TokenManager(self._http, credentials, self._policy, clock=clock)

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> RingCentralClient:
        """Refuse to start without the credentials a dial needs, rather than fail mid-call."""
        credentials = JwtCredentials(
            settings.ringcentral_client_id,
            settings.ringcentral_client_secret.get_secret_value(),
            settings.ringcentral_jwt.get_secret_value(),
        )
        missing = [
            name
            for name, value in (
                ("RINGCENTRAL_CLIENT_ID", credentials.client_id),
                ("RINGCENTRAL_CLIENT_SECRET", credentials.client_secret),
                ("RINGCENTRAL_JWT", credentials.jwt),
                ("RINGCENTRAL_BRIDGE_DEVICE_ID", settings.ringcentral_bridge_device_id),
            )
            if not value.strip()
        ]
        if missing:
            raise SettingsError(f"RingCentral needs {', '.join(missing)}")
        return cls(
            settings.ringcentral_server_url,
            credentials,
            settings.ringcentral_bridge_device_id,
            **options,
        )

    async def call_out(self, to_number: str) -> CallLeg:
        """Ring the bridge's device, then `to_number` (E.164); our party is the caller's."""
        body = {"from": {"deviceId": self._device_id}, "to": {"phoneNumber": to_number}}
        response = await self._call(
            "POST", "/account/~/telephony/call-out", body, RateGroup.HEAVY, idempotent=False
        )
        session = json_object(response).get("session")
        parties = session.get("parties") if isinstance(session, dict) else None
        if not isinstance(session, dict) or not isinstance(parties, list) or not parties:
            raise RingCentralUnavailable(
                "call-out answer without session.parties", maybe_processed=True
            )
        mapped = [party for party in parties if isinstance(party, dict)]
        outbound = [party for party in mapped if party.get("direction") == "Outbound"]
        ours = (outbound or mapped or [{}])[0]
        session_id, party_id = session.get("id"), ours.get("id")
        if not isinstance(session_id, str) or not isinstance(party_id, str):
            raise RingCentralUnavailable(
                "call-out answer without session or party id", maybe_processed=True
            )
        return CallLeg(session_id, party_id)

    async def transfer(
        self, leg: CallLeg, *, extension_number: str | None = None, phone_number: str | None = None
    ) -> None:
        """Blind-transfer the answered call: the driver rings at the target, we drop out."""
        targets = {"extensionNumber": extension_number, "phoneNumber": phone_number}
        chosen = {key: value for key, value in targets.items() if value}
        if len(chosen) != 1:
            raise ValueError("transfer needs exactly one of extension_number, phone_number")
        await self._call("POST", f"{_party_path(leg)}/transfer", chosen, RateGroup.LIGHT)

    async def forward(self, leg: CallLeg, *, extension_number: str) -> None:
        """Send a call still ringing at our party (Setup/Proceeding) to another extension."""
        if not extension_number.strip():
            raise ValueError("forward needs the target extension number")
        body = {"extensionNumber": extension_number}
        await self._call("POST", f"{_party_path(leg)}/forward", body, RateGroup.LIGHT)

    async def hang_up(self, telephony_session_id: str) -> bool:
        """End the whole call; False when RingCentral no longer knows it (already over)."""
        response = await self._call(
            "DELETE", _session_path(telephony_session_id), None, RateGroup.LIGHT, allow_404=True
        )
        return response.status_code != 404

    async def create_subscription(
        self,
        address: str,
        verification_token: str,
        *,
        event_filters: tuple[str, ...] = (TELEPHONY_SESSIONS_FILTER,),
        expires_in: int = WEBHOOK_MAX_EXPIRES_IN,
    ) -> Subscription:
        """Webhook delivery of telephony-session events; RingCentral handshakes first."""
        body = subscription_request(address, verification_token, event_filters, expires_in)
        response = await self._call(
            "POST", "/subscription", body, RateGroup.MEDIUM, idempotent=False
        )
        return parse_subscription(json_object(response))

    async def renew_subscription(self, subscription_id: str) -> Subscription:
        path = f"/subscription/{quote(subscription_id, safe='')}/renew"
        response = await self._call("POST", path, None, RateGroup.MEDIUM)
        return parse_subscription(json_object(response))

    async def delete_subscription(self, subscription_id: str) -> None:
        path = f"/subscription/{quote(subscription_id, safe='')}"
        await self._call("DELETE", path, None, RateGroup.MEDIUM, allow_404=True)

    async def ensure_subscription(
        self, subscription_id: str | None, address: str, verification_token: str
    ) -> Subscription:
        """Renew the known subscription; replace it when it is gone, refused or not Active.

        A Blacklisted webhook is not revived by renewing; RingCentral's fix is to delete it
        and create it again (ringcentral.md §6).
        """
        if subscription_id:
            try:
                renewed = await self.renew_subscription(subscription_id)
            except RingCentralAuthFailed:
                raise
            except RingCentralRejected:
                pass
            else:
                if renewed.active:
                    return renewed
            await self.delete_subscription(subscription_id)
        return await self.create_subscription(address, verification_token)

    async def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        group: RateGroup,
        *,
        idempotent: bool = True,
        allow_404: bool = False,
    ) -> httpx.Response:
        token = await self._tokens.token()
        response = await self._send(method, path, body, token, group, idempotent)
        if response.status_code == 401:
            self._tokens.invalidate(token)
            token = await self._tokens.token()
            response = await self._send(method, path, body, token, group, idempotent)
        if response.is_success or (allow_404 and response.status_code == 404):
            return response
        raise rejection(response)

    async def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        token: str,
        group: RateGroup,
        idempotent: bool,
    ) -> httpx.Response:
        request = self._http.build_request(
            method, API + path, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        return await self._policy.send(self._http, request, group=group, idempotent=idempotent)


def _session_path(telephony_session_id: str) -> str:
    return f"/account/~/telephony/sessions/{quote(telephony_session_id, safe='')}"


def _party_path(leg: CallLeg) -> str:
    party = quote(leg.party_id, safe="")
    return f"{_session_path(leg.telephony_session_id)}/parties/{party}"
