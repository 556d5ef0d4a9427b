"""`karla dev`: run the dev stack in the foreground until Ctrl-C, and say how to use it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from shared.config import Settings

from .dev_clock import ClockError, DevClock, parse_duration
from .dev_numbers import DEFAULT_NUMBERS, DevNumbersError, load_dev_numbers
from .dev_scratch import scratch_stores
from .dev_stack import ANY_PORTS, DevPorts, DevStack, dev_stack
from .dev_urls import CLOCK_PATH, WEBHOOK_PATH, stack_file

CLOCK_OFFSET_VARIABLE = "KARLA_CLOCK_OFFSET"
_ADVANCE = '{"advance": "30m"}'


async def run_dev(
    settings: Settings,
    numbers_path: Path | None = None,
    *,
    any_ports: bool = False,
    tick_seconds: float = 5.0,
    keep_data: bool = False,
) -> int:
    """Unless `keep_data`, the run's calls go to a database and Redis prefix of its own,
    dropped when it stops: each run starts clean, and a call a stopped run left open (its
    redial still scheduled, its media gone) never stands in for a new trigger."""
    try:
        numbers = load_dev_numbers(numbers_path or DEFAULT_NUMBERS)
        clock = DevClock(parse_duration(os.environ.get(CLOCK_OFFSET_VARIABLE, "0")))
    except (DevNumbersError, ClockError) as exc:
        print(f"karla dev: {exc}", file=sys.stderr)
        return 2
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    ports = ANY_PORTS if any_ports else DevPorts()
    try:
        async with contextlib.AsyncExitStack() as data:
            if not keep_data:
                scratch = await data.enter_async_context(scratch_stores(settings, "dev"))
                settings = scratch.applied(settings)
            async with dev_stack(
                settings, numbers, ports=ports, clock=clock, tick_seconds=tick_seconds
            ) as dev:
                print_banner(dev, sys.stdout, kept=keep_data)
                await stopping.wait()
                print("karla dev: stopping...", flush=True)
    except OSError as exc:
        print(f"karla dev: cannot start: {exc} (is another stack running?)", file=sys.stderr)
        return 1
    print("karla dev: stopped.", flush=True)
    return 0


def print_banner(dev: DevStack, out: TextIO, *, kept: bool) -> None:
    urls, settings = dev.urls, dev.settings
    zone = ZoneInfo(settings.timezone)
    database = urlsplit(settings.database_url or "").path.lstrip("/")
    data = f"database {database}, Redis keys {settings.redis_key_prefix}*"
    data += " (kept)" if kept else " (dropped at exit; --keep-data keeps them)"
    lines = [
        "",
        "Karla dev stack is up (Ctrl-C stops everything).",
        f"  Trigger API       {urls.api}  (OpenAPI: {urls.api}/docs)",
        f"  API token         {urls.token}",
        f"  Client mock       {urls.client_mock}/trips",
        f"  Media server      {urls.media}",
        f"  RingCentral emu   {urls.emulator}  (what it did: {urls.emulator}/_emulator/calls,"
        " /_emulator/transfers, /_emulator/requests)",
        f"  Webhook (Lambda)  {urls.gateway}{WEBHOOK_PATH}",
        f"  Local SQS (moto)  {urls.sqs}  queue {urls.queue.rsplit('/', 1)[-1]} (+ DLQ)",
        f"  Postgres, Redis   {data}",
        f"  Stack file        {stack_file(settings)}",
        "",
        f"  Clock             {dev.clock().astimezone(zone):%Y-%m-%d %H:%M} {settings.timezone}"
        f" (offset {dev.clock.offset_seconds:g} s); calling window"
        f" {settings.calling_window_start:%H:%M}-{settings.calling_window_end:%H:%M}",
        f'  Jump it:          curl -X POST {urls.gateway}{CLOCK_PATH} -d \'{{"advance": "30m"}}\'',
        "",
        "Dev numbers:",
    ]
    for number in dev.numbers.numbers:
        who = f"{number.driver.name} ({number.driver.driver_id}"
        who += f", trip {number.trip.trip_id})" if number.trip else ")"
        lines.append(f"  {number.phone}  {who:40} {number.does or number.behaviour.value}")
    example = dev.numbers.numbers[0]
    trip = example.trip.trip_id if example.trip else "T-1"
    lines += [
        "",
        "Place a call (another shell):",
        f"  .venv/bin/karla call --driver {example.driver.driver_id} --trip {trip}"
        f" --phone {example.phone}",
    ]
    caller = next((n for n in dev.numbers.numbers if n.calls_karla), None)
    if caller is not None:
        lines.append(f"  .venv/bin/karla call --inbound --phone {caller.phone}")
    print("\n".join(lines) + "\n", file=out, flush=True)
