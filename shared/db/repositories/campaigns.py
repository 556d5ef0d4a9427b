"""The `campaigns` table: a batch of calls sharing a calling window in one time zone."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import asyncpg


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    id: uuid.UUID
    name: str
    window_start: dt.time  # local wall-clock times in `timezone`
    window_end: dt.time
    timezone: str
    created_at: dt.datetime


class CampaignRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create(
        self,
        campaign_id: uuid.UUID,
        name: str,
        window_start: dt.time,
        window_end: dt.time,
        timezone: str = "America/Mexico_City",
    ) -> CampaignRecord:
        """Insert a campaign; the time zone is checked here, as Postgres cannot."""
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {timezone!r}") from None
        row = await self._pool.fetchrow(
            """
            INSERT INTO campaigns (id, name, window_start, window_end, timezone)
            VALUES ($1, $2, $3, $4, $5)
            RETURNING *
            """,
            campaign_id,
            name,
            window_start,
            window_end,
            timezone,
        )
        assert row is not None
        return _record(row)

    async def get(self, campaign_id: uuid.UUID) -> CampaignRecord | None:
        row = await self._pool.fetchrow("SELECT * FROM campaigns WHERE id = $1", campaign_id)
        return _record(row) if row is not None else None


def _record(row: asyncpg.Record) -> CampaignRecord:
    return CampaignRecord(
        id=row["id"],
        name=row["name"],
        window_start=row["window_start"],
        window_end=row["window_end"],
        timezone=row["timezone"],
        created_at=row["created_at"],
    )
