"""Bearer-token authentication for the trigger API, strict by design.

The parsing and the constant-time check live in `shared.bearer` (the media server's
`/metrics` uses the same ones); this module adapts them to FastAPI and warns at start-up.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from functions.api.errors import ApiError
from shared.bearer import (
    MAX_TOKEN_LENGTH,
    TOKEN_PATTERN,
    AuthError,
    authenticate,
    challenge,
    client_id_of,
    parse_bearer,
)
from shared.config import Settings
from shared.observability.logging import get_logger

__all__ = [
    "MAX_TOKEN_LENGTH",
    "AuthError",
    "authenticate",
    "client_id_of",
    "parse_bearer",
    "require_client",
    "unauthorized",
    "warn_if_token_missing",
]

_log = get_logger(__name__)

# Declared for the OpenAPI document only; `require_client` parses the header itself because
# HTTPBearer accepts what this API refuses (several spaces, any characters, any length).
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="The API token configured in API_TOKEN, sent as `Authorization: Bearer <token>`.",
)


def unauthorized(error: AuthError) -> ApiError:
    """The 401 answer, with the RFC 6750 challenge."""
    return ApiError(401, "unauthorized", error.reason, {"WWW-Authenticate": challenge(error)})


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
    if len(token) > MAX_TOKEN_LENGTH or not TOKEN_PATTERN.fullmatch(token):
        _log.warning(
            "API_TOKEN IS NOT A VALID BEARER TOKEN: no client can send it; use 1 to "
            f"{MAX_TOKEN_LENGTH} characters of A-Z a-z 0-9 - . _ ~ + / (then '=' padding)",
            setting="API_TOKEN",
        )
        return False
    return True
