"""Bearer-token authentication for the trigger API, strict by design.

One `Authorization` header, `Bearer <token>` with a single space, the RFC 6750 token
alphabet, a length cap, and a constant-time comparison. No configured token means no
access at all: the API is never open by default.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from functions.api.errors import ApiError
from shared.config import Settings
from shared.observability.logging import get_logger

MAX_TOKEN_LENGTH = 512
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_log = get_logger(__name__)

# Declared for the OpenAPI document only; `require_client` parses the header itself because
# HTTPBearer accepts what this API refuses (several spaces, any characters, any length).
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="The API token configured in API_TOKEN, sent as `Authorization: Bearer <token>`.",
)


class AuthError(Exception):
    """The request does not carry the configured token; `reason` says why."""

    def __init__(self, reason: str, *, token_presented: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.token_presented = token_presented


def parse_bearer(header_values: Sequence[str]) -> str:
    """The token of the only `Authorization: Bearer <token>` header, or AuthError."""
    if not header_values:
        raise AuthError("missing Authorization header", token_presented=False)
    if len(header_values) > 1:
        raise AuthError("more than one Authorization header", token_presented=True)
    scheme, _, token = header_values[0].partition(" ")
    if scheme.lower() != "bearer":
        raise AuthError("Authorization scheme must be Bearer", token_presented=False)
    if not token:
        raise AuthError("missing bearer token", token_presented=False)
    if len(token) > MAX_TOKEN_LENGTH:
        raise AuthError("bearer token too long", token_presented=True)
    if not _TOKEN.fullmatch(token):
        raise AuthError("malformed bearer token", token_presented=True)
    return token


def authenticate(header_values: Sequence[str], configured: SecretStr) -> str:
    """Check the presented token against the configured one; return the client's id.

    The id is a digest of the token, so rate-limit keys and logs never hold the token.
    """
    expected = configured.get_secret_value()
    if not expected:
        raise AuthError("API token not configured", token_presented=False)
    token = parse_bearer(header_values)
    if not hmac.compare_digest(token.encode("ascii"), expected.encode("utf-8")):
        raise AuthError("invalid bearer token", token_presented=True)
    return client_id_of(token)


def client_id_of(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()[:16]


def unauthorized(error: AuthError) -> ApiError:
    """The 401 answer, with the RFC 6750 challenge."""
    challenge = 'Bearer realm="karla"'
    if error.token_presented:
        challenge += ', error="invalid_token"'
    return ApiError(401, "unauthorized", error.reason, {"WWW-Authenticate": challenge})


def settings_of(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def require_client(
    request: Request,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> str:
    """FastAPI dependency: the authenticated client's id, or a 401."""
    try:
        return authenticate(
            request.headers.getlist("authorization"), settings_of(request).api_token
        )
    except AuthError as exc:
        raise unauthorized(exc) from None


def warn_if_token_missing(settings: Settings) -> bool:
    """Log loudly at start-up when no client can authenticate; True when the token is usable."""
    token = settings.api_token.get_secret_value()
    if not token:
        _log.warning(
            "API_TOKEN IS NOT SET: every protected route answers 401 until it is configured",
            setting="API_TOKEN",
        )
        return False
    if len(token) > MAX_TOKEN_LENGTH or not _TOKEN.fullmatch(token):
        _log.warning(
            "API_TOKEN IS NOT A VALID BEARER TOKEN: no client can send it; use 1 to "
            f"{MAX_TOKEN_LENGTH} characters of A-Z a-z 0-9 - . _ ~ + / (then '=' padding)",
            setting="API_TOKEN",
        )
        return False
    return True
