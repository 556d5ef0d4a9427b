"""The one query the trigger needs that CallRepository does not have: an open call for a trip.

"Open" means not in a final status (see `CallStatus.is_final`): such a call will still dial
or is dialling, so a second trigger for the same driver and trip must not add another.
"""

from __future__ import annotations

import uuid

import asyncpg

from shared.domain.call import CallStatus

_FINAL = sorted(status.value for status in CallStatus if status.is_final)


class OpenCalls:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def find(self, driver_id: str, trip_id: str) -> uuid.UUID | None:
        """The newest open call for this driver and trip, if any (calls_driver_id_idx)."""
        value = await self._pool.fetchval(
            """
            SELECT id FROM calls
            WHERE driver_id = $1 AND trip_id = $2 AND status <> ALL($3::text[])
            ORDER BY created_at DESC, id DESC LIMIT 1
            """,
            driver_id,
            trip_id,
            _FINAL,
        )
        return value if isinstance(value, uuid.UUID) else None
