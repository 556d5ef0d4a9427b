"""Access tokens from RingCentral's JWT credential, cached and renewed before they lapse.

The JWT minted in the Developer Console is a long-lived credential that is only exchanged
for access tokens (ringcentral.md §1): nothing is signed here. Renewal re-runs the JWT
grant rather than the refresh_token grant: RingCentral allows it, it does not depend on the
app's "Issue refresh tokens" setting, and it cannot lose a race over single-use refresh
tokens. Token requests count against the Auth group (5 per minute), so one lock keeps one
grant in flight per process and everyone queued behind it reuses its token.
"""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass, field

import httpx

from shared.telephony.ringcentral.errors import RingCentralAuthFailed, RingCentralUnavailable
from shared.telephony.ringcentral.retry import Clock, RateGroup, RequestPolicy
from shared.telephony.ringcentral.wire import json_object, rejection

TOKEN_PATH = "/restapi/oauth/token"  # noqa: S105 (an endpoint, not a secret)
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True)
class JwtCredentials:
    client_id: str
    client_secret: str = field(repr=False)
    jwt: str = field(repr=False)

    def basic_auth(self) -> str:
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


@dataclass(frozen=True)
class _AccessToken:
    value: str = field(repr=False)
    renew_at: float  # on the manager's clock


class TokenManager:
    """One per process: hands out a valid bearer token, renewing it ahead of expiry."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        credentials: JwtCredentials,
        policy: RequestPolicy,
        *,
        clock: Clock = time.monotonic,
        renew_margin_seconds: float = 60.0,
    ) -> None:
        self._http = http
        self._credentials = credentials
        self._policy = policy
        self._clock = clock
        self._margin = renew_margin_seconds
        self._token: _AccessToken | None = None
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        current = self._token
        if current is not None and self._clock() < current.renew_at:
            return current.value
        async with self._lock:
            # Whoever held the lock before us may have renewed it already.
            current = self._token
            if current is None or self._clock() >= current.renew_at:
                current = self._token = await self._grant()
            return current.value

    def invalidate(self, value: str) -> None:
        """Forget a token RingCentral refused, unless a newer one has already replaced it."""
        if self._token is not None and self._token.value == value:
            self._token = None

    async def _grant(self) -> _AccessToken:
        request = self._http.build_request(
            "POST",
            TOKEN_PATH,
            data={"grant_type": JWT_GRANT, "assertion": self._credentials.jwt},
            headers={"Authorization": self._credentials.basic_auth()},
        )
        response = await self._policy.send(
            self._http, request, group=RateGroup.AUTH, idempotent=True
        )
        if response.status_code != 200:
            refused = rejection(response)
            # A refused grant is always a credentials problem, whatever its status code.
            raise RingCentralAuthFailed(refused.status, refused.error_code, refused.message)
        body = json_object(response)
        token = body.get("access_token")
        expires_in = body.get("expires_in")
        if not isinstance(token, str) or not isinstance(expires_in, int | float):
            raise RingCentralUnavailable("token response without access_token/expires_in")
        # Renew a little early, but never so early that a short-lived token is always stale.
        margin = min(self._margin, expires_in / 2)
        return _AccessToken(token, self._clock() + expires_in - margin)
