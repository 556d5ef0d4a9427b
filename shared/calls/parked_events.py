"""Telephony events that arrived before the dispatcher recorded their session.

The dispatcher learns the telephony session id only when call-out answers, and records it
a few milliseconds later; a busy line or an invalid number can be reported inside that
gap (the telephony emulator does it every time). Such an event is parked in Redis under
its session id and replayed as soon as the attempt is recorded, by the dispatcher right
after recording it or by the webhook that parked it when the recording slipped in
between its look and its park; so no verdict is lost and none waits for the sweep. An
event parked for a session nobody ever records (not one of ours) expires unread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import redis.asyncio as aioredis

from shared.telephony.ringcentral import EventKind, PartyEvent


class ParkedEvents:
    def __init__(self, redis: aioredis.Redis, prefix: str, ttl_seconds: int = 600) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl_seconds

    def _key(self, telephony_session_id: str) -> str:
        return f"{self._prefix}parked-events:{telephony_session_id}"

    async def park(self, event: PartyEvent) -> None:
        key = self._key(event.telephony_session_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(_dump(event)))
            pipe.expire(key, self._ttl)
            await pipe.execute()

    async def drain(self, telephony_session_id: str) -> list[PartyEvent]:
        """The parked events of this session in arrival order, removed atomically."""
        key = self._key(telephony_session_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lrange(key, 0, -1)
            pipe.delete(key)
            raw, _ = await pipe.execute()
        return [_load(json.loads(item)) for item in raw]


def _dump(event: PartyEvent) -> dict[str, Any]:
    data = dataclasses.asdict(event)
    data["kind"] = event.kind.value
    data["event_time"] = event.event_time.isoformat() if event.event_time else None
    return data


def _load(data: dict[str, Any]) -> PartyEvent:
    when = data.get("event_time")
    return PartyEvent(
        **{
            **data,
            "kind": EventKind(data["kind"]),
            "event_time": dt.datetime.fromisoformat(when) if when else None,
        }
    )
