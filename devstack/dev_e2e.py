"""`make e2e`: the `make dev` path, headless, checked end to end.

It starts `karla dev` in the background (free ports, a scratch state folder, and as
always a fresh database and Redis prefix, dropped after) and places calls on it with
`karla call`, as a person would from another shell, all at once: a confirmation, a
correction, a transfer, a driver calling in, and a number that never answers (this runner
moves the stack's clock to each redial, 30 minutes apart, until the call is unreachable).
Then it checks each call's outcome through the API and each trip in the client-system
mock, stops the stack with Ctrl-C's signal, and exits 0 only if everything held.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.config import load_settings

from .dev_urls import CLOCK_PATH, DevUrls
from .services import ensure_data_stores

KARLA = [sys.executable, "-m", "devstack.cli"]
START_SECONDS = 180.0  # an embedded Postgres initialises its data folder on first start
CALL_SECONDS = 150.0
STOP_SECONDS = 30.0
_POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Check:
    """One `karla call` and what must come of it."""

    name: str
    args: tuple[str, ...]
    driver_id: str
    outcome: str
    exit_code: int = 0
    trip: tuple[str, str, str] | None = None  # trip id, field, value in the client system


CHECKS = (
    Check("confirm", ("--driver", "D-7001", "--trip", "T-7001", "--phone", "+528112345678"),
          "D-7001", "confirmed", trip=("T-7001", "status", "validated")),
    Check("update", ("--driver", "D-7002", "--trip", "T-7002", "--phone", "+523141234567"),
          "D-7002", "updated", trip=("T-7002", "destination", "León, Gto.")),
    Check("transfer", ("--driver", "D-7004", "--trip", "T-7004", "--phone", "+528181234567"),
          "D-7004", "transferred", trip=("T-7004", "status", "pending")),
    Check("inbound", ("--inbound", "--phone", "+527221234567"),
          "D-7006", "confirmed", trip=("T-7006", "status", "validated")),
    Check("no answer", ("--driver", "D-7003", "--trip", "T-7003", "--phone", "+528441234567"),
          "D-7003", "unreachable", exit_code=1),
)  # fmt: skip


def main() -> int:
    return asyncio.run(run())


async def run() -> int:
    with tempfile.TemporaryDirectory(prefix="karla-e2e-") as scratch:
        return await _run(Path(scratch), await _environment(Path(scratch)))


async def _environment(scratch: Path) -> dict[str, str]:
    """The stack's and the calls' environment: a scratch state folder (the stack file),
    on the configured Postgres and Redis or this checkout's embedded ones (started here if
    need be); `karla dev` puts its data in a fresh database and Redis prefix on them."""
    settings = load_settings()
    stores = await asyncio.to_thread(
        ensure_data_stores, settings.state_dir, settings.database_url, settings.redis_url
    )
    return {
        **os.environ,
        "STATE_DIR": str(scratch / "state"),
        "DATABASE_URL": stores.database_url,
        "REDIS_URL": stores.redis_url,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    }


async def _run(scratch: Path, env: dict[str, str]) -> int:
    log = scratch / "dev.log"
    with log.open("wb") as out:
        dev = await asyncio.create_subprocess_exec(
            *KARLA, "dev", "--any-ports", "--tick", "1", env=env, stdout=out, stderr=out
        )
    try:
        urls = await _started(dev, Path(env["STATE_DIR"]) / "dev" / "stack.json", log)
        if urls is None:
            return 1
        print(f"make e2e: dev stack up (API {urls.api}); placing {len(CHECKS)} calls...")
        async with httpx.AsyncClient(timeout=15) as http:
            failures = await _checks(http, urls, env)
    finally:
        stopped = await _stop(dev)
    if not stopped:
        failures.append(f"the dev stack did not stop cleanly; see {log}")
    for failure in failures:
        print(f"FAIL {failure}")
    print("make e2e: " + ("all passed" if not failures else f"{len(failures)} failed"))
    return 0 if not failures else 1


async def _started(dev: asyncio.subprocess.Process, stack_file: Path, log: Path) -> DevUrls | None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_SECONDS
    while not await asyncio.to_thread(stack_file.exists):
        if dev.returncode is not None or loop.time() > deadline:
            tail = (await asyncio.to_thread(log.read_text))[-3000:]
            print(f"make e2e: the dev stack did not start:\n{tail}")
            return None
        await asyncio.sleep(_POLL_SECONDS)
    return await asyncio.to_thread(DevUrls.read, stack_file)


async def _checks(http: httpx.AsyncClient, urls: DevUrls, env: dict[str, str]) -> list[str]:
    calls = [asyncio.create_task(_karla_call(check, env)) for check in CHECKS]
    redials = asyncio.create_task(_redial_when_due(http, urls, "D-7003"))
    results = await asyncio.gather(*calls)
    redials.cancel()
    failures = []
    for check, (code, output) in zip(CHECKS, results, strict=True):
        print(f"\n━━ {check.name}: karla call {' '.join(check.args)}\n{output}")
        failures += await _verify(http, urls, check, code)
    return failures


async def _karla_call(check: Check, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *KARLA, "call", *check.args, "--timeout", str(CALL_SECONDS),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace").rstrip()


async def _redial_when_due(http: httpx.AsyncClient, urls: DevUrls, driver_id: str) -> None:
    """Move the clock to each scheduled redial of the driver's call, as a person would."""
    moved_to = None
    while True:
        for call in await _calls(http, urls, driver_id):
            due = call["next_attempt_at"]
            if call["status"] == "retry_scheduled" and due and due != moved_to:
                await http.post(urls.gateway + CLOCK_PATH, json={"to": due})
                moved_to = due
        await asyncio.sleep(_POLL_SECONDS)


async def _verify(http: httpx.AsyncClient, urls: DevUrls, check: Check, code: int) -> list[str]:
    failures = []
    if code != check.exit_code:
        failures.append(f"{check.name}: karla call exited {code}, expected {check.exit_code}")
    calls = await _calls(http, urls, check.driver_id)
    outcome = calls[0]["outcome"] if calls else None
    if outcome != check.outcome:
        failures.append(f"{check.name}: outcome {outcome}, expected {check.outcome}")
    if check.trip is not None:
        trip_id, name, wanted = check.trip
        trip = (await http.get(f"{urls.client_mock}/trips/{trip_id}")).json()
        if trip.get(name) != wanted:
            failures.append(
                f"{check.name}: trip {trip_id} {name}={trip.get(name)!r}, not {wanted!r}"
            )
    return failures


async def _calls(http: httpx.AsyncClient, urls: DevUrls, driver_id: str) -> list[dict[str, str]]:
    response = await http.get(
        f"{urls.api}/api/calls",
        params={"driver_id": driver_id},
        headers={"Authorization": f"Bearer {urls.token}"},
    )
    response.raise_for_status()
    items: list[dict[str, str]] = response.json()["items"]
    return items


async def _stop(dev: asyncio.subprocess.Process) -> bool:
    """Ctrl-C, as a person stops `make dev`; True when it exited 0 in time."""
    if dev.returncode is None:
        dev.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(dev.wait(), STOP_SECONDS)
    except TimeoutError:
        dev.kill()
        await dev.wait()
        return False
    return dev.returncode == 0


if __name__ == "__main__":
    raise SystemExit(main())
