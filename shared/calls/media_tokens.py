"""Per-call media tokens: what lets a telephony WebSocket attach to one call session.

The dispatcher issues a token when it dials and hands it to the telephony leg (the
RingCentral bridge, Twilio's `customParameters`); the media server accepts a socket only
with a token it signed, that has not expired, and that Redis still binds to a live call.

Why signed AND bound: the HMAC lets the media server refuse forged or stale tokens before
touching Redis (a flood of garbage costs no round trip), while the Redis binding lets the
control plane revoke a token (delete the key) and proves the call session was created by
the dispatcher, not merely named. The call id rides inside the token so a resumed socket
on any instance finds its call without shared memory.

Format: `mt1.<call_id base64url>.<expiry unix seconds>.<nonce>.<signature base64url>`,
signature = HMAC-SHA256 over everything before it. Pure: no I/O, the clock is passed in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

VERSION = "mt1"
_NONCE_BYTES = 12


class InvalidMediaToken(ValueError):
    """The token cannot attach a call; `reason` is safe to send back in a close frame."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(body: str, secret: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())


def issue(call_id: str, secret: str, ttl_seconds: int, now: float) -> str:
    """A token for `call_id`, valid for `ttl_seconds` from `now` (unix seconds)."""
    if not secret:
        raise ValueError("media tokens need a non-empty secret")
    if not call_id:
        raise ValueError("media tokens name a call")
    if ttl_seconds <= 0:
        raise ValueError("a media token must live a positive number of seconds")
    expires = int(now) + ttl_seconds
    body = f"{VERSION}.{_b64(call_id.encode())}.{expires}.{secrets.token_hex(_NONCE_BYTES)}"
    return f"{body}.{_sign(body, secret)}"


def verify(token: str, secret: str, now: float) -> str:
    """The call id of a valid token; raises `InvalidMediaToken` saying why not.

    The signature is checked before the expiry so an attacker learns nothing from the
    reason but "not ours"; the comparison is constant-time.
    """
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != VERSION or not all(parts):
        raise InvalidMediaToken("malformed media token")
    body, signature = ".".join(parts[:4]), parts[4]
    if not secret or not hmac.compare_digest(_sign(body, secret), signature):
        raise InvalidMediaToken("bad media token signature")
    try:
        call_id = _unb64(parts[1]).decode()
        expires = int(parts[2])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidMediaToken("malformed media token") from None
    if now >= expires:
        raise InvalidMediaToken("media token expired")
    return call_id


def token_id(token: str) -> str:
    """The key a token is bound under in Redis: a digest, so the store never holds it."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]
