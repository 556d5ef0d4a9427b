"""Versioned SQL migrations: `migrations/NNNN_name.sql`, applied once each, in order.

Every process may call `apply_migrations` at start-up: an advisory lock makes concurrent
callers take turns, and `schema_migrations` records what ran with a checksum, so an applied
file that was edited afterwards stops start-up instead of leaving databases that differ.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

_FILE_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")

# One fixed key for every Karla process; advisory locks are per database, so test
# databases on the same server never wait for each other.
_LOCK_KEY = 0x4B61726C61  # "Karla"

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(RuntimeError):
    """The migrations folder or the database's migration history is not usable."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str
    checksum: str

    @property
    def file_name(self) -> str:
        return f"{self.version}_{self.name}.sql"


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Read the folder's migrations in version order; refuse misnamed or duplicate files."""
    found: dict[str, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files must be named NNNN_name.sql")
        version = match["version"]
        if version in found:
            raise MigrationError(
                f"{path.name}: version {version} is also {found[version].file_name}"
            )
        data = path.read_bytes()
        found[version] = Migration(
            version, match["name"], data.decode(), hashlib.sha256(data).hexdigest()
        )
    return [found[version] for version in sorted(found)]


async def apply_migrations(dsn: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the pending migrations, each in its own transaction; return their versions."""
    migrations = load_migrations(directory)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        await connection.execute(_CREATE_LEDGER)
        rows = await connection.fetch("SELECT version, checksum FROM schema_migrations")
        applied = {row["version"]: row["checksum"] for row in rows}
        _check_unchanged(migrations, applied)
        done: list[str] = []
        for migration in migrations:
            if migration.version in applied:
                continue
            async with connection.transaction():
                await connection.execute(migration.sql)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            done.append(migration.version)
        return done
    finally:
        # Ending the session releases the advisory lock; no explicit unlock to forget.
        await connection.close()


def _check_unchanged(migrations: list[Migration], applied: dict[str, str]) -> None:
    for migration in migrations:
        recorded = applied.get(migration.version)
        if recorded is not None and recorded != migration.checksum:
            raise MigrationError(
                f"{migration.file_name} changed after it was applied (checksum "
                f"{recorded[:12]} in the database, {migration.checksum[:12]} on disk); "
                "restore it and put the change in a new migration"
            )
