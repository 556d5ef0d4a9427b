"""What the control plane needs from telephony: place a call, end a call. Nothing more.

The dispatcher and the scheduler depend on this Protocol, not on RingCentral, so they are
tested with a fake, and a second carrier (Twilio's `customParameters` carry the media
token natively) is one adapter away.

`RingCentralDialer` is the production adapter. RingCentral's call-out cannot carry data
to the leg that rings our media bridge, so the adapter leaves the call's media token in
Redis under the telephony session id for the ring's lifetime: the bridge (and the local
telephony emulator's simulated driver) reads it from `MediaLegs` when leg 1 rings and
presents it to the media server, which verifies it as any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis

from shared.telephony.ringcentral import RingCentralClient


@dataclass(frozen=True)
class DialResult:
    telephony_session_id: str  # what every later telephony event about this call names


class Dialer(Protocol):
    async def dial(self, call_id: str, phone: str, media_token: str) -> DialResult:
        """Ring `phone` (E.164) for `call_id`; the answered leg attaches with `media_token`."""
        ...

    async def hang_up(self, telephony_session_id: str) -> None:
        """End the call whatever its state; a call that is already over is not an error."""
        ...


class MediaLegs:
    """Media tokens of calls that are ringing, by telephony session id (short-lived)."""

    def __init__(self, redis: aioredis.Redis, prefix: str, ttl_seconds: int = 300) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl_seconds

    def _key(self, telephony_session_id: str) -> str:
        return f"{self._prefix}media-leg:{telephony_session_id}"

    async def publish(self, telephony_session_id: str, media_token: str) -> None:
        await self._redis.set(self._key(telephony_session_id), media_token, ex=self._ttl)

    async def take(self, telephony_session_id: str) -> str | None:
        """The token, once: the leg that reads it is the only one that may attach."""
        value = await self._redis.getdel(self._key(telephony_session_id))
        return value.decode() if isinstance(value, bytes) else value


class RingCentralDialer:
    def __init__(self, client: RingCentralClient, legs: MediaLegs) -> None:
        self._client = client
        self._legs = legs

    async def dial(self, call_id: str, phone: str, media_token: str) -> DialResult:
        leg = await self._client.call_out(phone)
        await self._legs.publish(leg.telephony_session_id, media_token)
        return DialResult(leg.telephony_session_id)

    async def hang_up(self, telephony_session_id: str) -> None:
        await self._client.hang_up(telephony_session_id)
