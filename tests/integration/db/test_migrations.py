"""Migrations: applied once, safe when two processes start together, edits refused."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from devstack.services import DataStores, with_database
from shared.db.migrate import MigrationError, apply_migrations, load_migrations


@pytest.fixture
async def empty_database(data_stores: DataStores) -> AsyncIterator[str]:
    """A database of its own with nothing applied, dropped after the test."""
    name = f"karla_migrate_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(data_stores.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield with_database(data_stores.database_url, name)
    admin = await asyncpg.connect(data_stores.database_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def ledger(url: str) -> list[tuple[str, str]]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT version, name FROM schema_migrations ORDER BY 1")
    finally:
        await connection.close()
    return [(row["version"], row["name"]) for row in rows]


ALL_VERSIONS = [m.version for m in load_migrations()]


async def test_second_apply_applies_nothing(empty_database: str) -> None:
    assert await apply_migrations(empty_database) == ALL_VERSIONS
    assert await apply_migrations(empty_database) == []
    assert [version for version, _ in await ledger(empty_database)] == ALL_VERSIONS


async def test_session_database_is_up_to_date(database_url: str) -> None:
    assert await apply_migrations(database_url) == []


async def test_concurrent_apply_runs_each_migration_once(empty_database: str) -> None:
    first, second = await asyncio.gather(
        apply_migrations(empty_database), apply_migrations(empty_database)
    )

    assert sorted([first, second]) == [[], ALL_VERSIONS]
    assert [version for version, _ in await ledger(empty_database)] == ALL_VERSIONS


async def test_migrations_apply_in_version_order(empty_database: str, tmp_path: Path) -> None:
    (tmp_path / "0002_add_column.sql").write_text("ALTER TABLE things ADD COLUMN size int;")
    (tmp_path / "0001_things.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")

    assert await apply_migrations(empty_database, tmp_path) == ["0001", "0002"]


async def test_failed_migration_leaves_no_trace(empty_database: str, tmp_path: Path) -> None:
    (tmp_path / "0001_things.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    (tmp_path / "0002_broken.sql").write_text(
        "CREATE TABLE half_done (id int); SELECT no_such_function();"
    )

    with pytest.raises(asyncpg.UndefinedFunctionError):
        await apply_migrations(empty_database, tmp_path)

    assert await ledger(empty_database) == [("0001", "things")]
    connection = await asyncpg.connect(empty_database)
    try:
        assert await connection.fetchval("SELECT to_regclass('half_done')") is None
    finally:
        await connection.close()


async def test_edited_applied_migration_is_refused(empty_database: str, tmp_path: Path) -> None:
    migration = tmp_path / "0001_things.sql"
    migration.write_text("CREATE TABLE things (id int PRIMARY KEY);")
    await apply_migrations(empty_database, tmp_path)
    migration.write_text("CREATE TABLE things (id bigint PRIMARY KEY);")
    (tmp_path / "0002_more.sql").write_text("CREATE TABLE more_things (id int);")

    with pytest.raises(MigrationError, match=r"0001_things\.sql changed after it was applied"):
        await apply_migrations(empty_database, tmp_path)

    assert await ledger(empty_database) == [("0001", "things")]


@pytest.mark.parametrize("file_name", ["1_short.sql", "0001-dash.sql", "0001_Upper.sql"])
def test_misnamed_migration_is_refused(tmp_path: Path, file_name: str) -> None:
    (tmp_path / file_name).write_text("SELECT 1;")

    with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
        load_migrations(tmp_path)


def test_duplicate_version_is_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_one.sql").write_text("SELECT 1;")
    (tmp_path / "0001_other.sql").write_text("SELECT 1;")

    with pytest.raises(MigrationError, match="version 0001"):
        load_migrations(tmp_path)
