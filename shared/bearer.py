"""Bearer-token checks shared by every HTTP surface that needs them (API, media server).

One `Authorization` header, `Bearer <token>` with a single space, the RFC 6750 token
alphabet, a length cap, and a constant-time comparison. No configured token means no
access at all: nothing is open by default. Framework-free, so both planes use the same
parser: the trigger API through FastAPI, the media server's `/metrics` through websockets.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

from pydantic import SecretStr

MAX_TOKEN_LENGTH = 512
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


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
    if not TOKEN_PATTERN.fullmatch(token):
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


def challenge(error: AuthError) -> str:
    """The RFC 6750 `WWW-Authenticate` value for a 401."""
    value = 'Bearer realm="karla"'
    if error.token_presented:
        value += ', error="invalid_token"'
    return value
