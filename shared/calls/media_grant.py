"""Granting a call its media token: signed for the call, then bound to it in Redis.

The dispatcher does it when it dials, the telephony webhook when an inbound call rings;
either way the telephony leg presents the token and the media server checks both halves
(see `media_tokens`). Dated by the wall clock, never a test's or the control plane's
clock: the media server checks expiry against its own.
"""

from __future__ import annotations

import time

from shared.calls import media_tokens
from shared.state.sessions import CallSessionStore


async def grant_media(
    sessions: CallSessionStore, call_id: str, secret: str, ttl_seconds: int
) -> str:
    token = media_tokens.issue(call_id, secret, ttl_seconds, time.time())
    await sessions.bind_media_token(media_tokens.token_id(token), call_id)
    return token
