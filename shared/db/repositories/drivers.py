"""The `drivers` table: who a driver is (name) and how to reach or recognise them (phone)."""

from __future__ import annotations

import asyncpg

from shared.domain.trip import Driver


class DriverRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def upsert(self, driver_id: str, phone: str, name: str | None = None) -> None:
        """Remember the latest number, and the name when the trigger gave one."""
        await self._pool.execute(
            """
            INSERT INTO drivers (driver_id, name, phone) VALUES ($1, $2, $3)
            ON CONFLICT (driver_id) DO UPDATE
               SET phone = EXCLUDED.phone,
                   name = COALESCE(EXCLUDED.name, drivers.name),
                   updated_at = now()
            """,
            driver_id,
            name,
            phone,
        )

    async def get(self, driver_id: str) -> Driver | None:
        row = await self._pool.fetchrow("SELECT * FROM drivers WHERE driver_id = $1", driver_id)
        return _driver(row) if row is not None else None

    async def by_phone(self, phone: str) -> Driver | None:
        """The driver calling from `phone` (the most recently updated, if shared)."""
        row = await self._pool.fetchrow(
            "SELECT * FROM drivers WHERE phone = $1 ORDER BY updated_at DESC LIMIT 1", phone
        )
        return _driver(row) if row is not None else None


def _driver(row: asyncpg.Record) -> Driver:
    return Driver(driver_id=row["driver_id"], name=row["name"] or "operador", phone=row["phone"])
