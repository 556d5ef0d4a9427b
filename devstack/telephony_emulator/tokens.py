"""The emulator's OAuth side: JWT grants under Basic client auth, bearer checks, expiry.

Tokens can be expired on demand (`expire_all`), so tests see exactly what a client meets
when RingCentral revokes a token or the clocks disagree: a 401 on the next API call.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from collections.abc import Mapping
from typing import Any

from devstack.telephony_emulator.model import EmulatorError

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class TokenDesk:
    def __init__(self, client_id: str, client_secret: str, jwt: str, lifetime_seconds: int) -> None:
        pair = f"{client_id}:{client_secret}".encode()
        self._basic = "Basic " + base64.b64encode(pair).decode("ascii")
        self._jwt = jwt
        self._lifetime = lifetime_seconds
        self._expires: dict[str, float] = {}  # access token -> monotonic expiry
        self.grants = 0

    def grant(self, authorization: str | None, form: Mapping[str, str]) -> dict[str, Any]:
        if not hmac.compare_digest((authorization or "").encode(), self._basic.encode()):
            raise EmulatorError(
                401, "OAU-123", "Invalid client credentials", oauth_error="invalid_client"
            )
        if form.get("grant_type") != JWT_GRANT:
            raise EmulatorError(
                400, "OAU-250", "Unsupported grant type", oauth_error="unsupported_grant_type"
            )
        if not hmac.compare_digest(form.get("assertion", "").encode(), self._jwt.encode()):
            raise EmulatorError(
                400, "OAU-140", "Invalid JWT assertion", oauth_error="invalid_grant"
            )
        token = secrets.token_urlsafe(24)
        self._expires[token] = time.monotonic() + self._lifetime
        self.grants += 1
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self._lifetime,
            "scope": "CallControl ReadAccounts SubscriptionWebhook",
            "owner_id": "emulator",
        }

    def authorize(self, authorization: str | None) -> None:
        """Raise the 401 RingCentral gives for a missing, unknown or expired bearer token."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise EmulatorError(401, "OAU-149", "Authorization header is not specified")
        expires = self._expires.get(token)
        if expires is None or expires <= time.monotonic():
            raise EmulatorError(401, "OAU-213", "Token expired")

    def expire_all(self) -> None:
        self._expires.clear()
