"""Which RingCentral party carries a live call: what a transfer to a person addresses.

The telephony webhook learns it when the call is answered (the answered party is Karla's:
the bridge device's leg of a call-out, Karla's extension for an inbound call) and keeps it
here under Karla's call id, for as long as a call session lives. `RingCentralHandoff`
finds it through `find`, a `CallLegLookup`, when the agent calls transferir_a_humano: the
media plane knows the call, never the telephony ids.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from shared.telephony.ringcentral import CallLeg

_FIELDS = ("telephony_session_id", "party_id")


class CallLegs:
    def __init__(self, redis: aioredis.Redis, prefix: str, ttl_seconds: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl_seconds

    def _key(self, call_id: str) -> str:
        return f"{self._prefix}call-leg:{call_id}"

    async def record(self, call_id: str, leg: CallLeg) -> None:
        key = self._key(call_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=dict(zip(_FIELDS, _values(leg), strict=True)))
            pipe.expire(key, self._ttl)
            await pipe.execute()

    async def find(self, call_id: str) -> CallLeg | None:
        values = await self._redis.hmget(self._key(call_id), list(_FIELDS))
        session, party = (v.decode() if isinstance(v, bytes) else v for v in values)
        if not session or not party:
            return None
        return CallLeg(session, party)


def _values(leg: CallLeg) -> tuple[str, str]:
    return leg.telephony_session_id, leg.party_id
