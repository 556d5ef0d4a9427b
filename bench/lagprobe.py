"""Event-loop lag, measured from inside the bot's own process and loop.

A task sleeps `interval` again and again; how much later than asked it wakes up is the time
the loop was busy with everything else, which is the delay every frame of every call saw
at that moment. Samples go to a side-channel file as (time.monotonic(), lag seconds) pairs
of doubles, so the benchmark can cut out its measurement window afterwards (CLOCK_MONOTONIC
is the same clock in every process of the machine).

Stdlib only: both bots' virtualenvs import it. `python -m bench.with_probe` starts it.
"""

from __future__ import annotations

import array
import asyncio
import os
import time
from pathlib import Path

INTERVAL_S = 0.010
FLUSH_EVERY = 50  # samples: about twice a second


async def probe_loop(path: Path, interval_s: float = INTERVAL_S) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    pending = array.array("d")
    try:
        while True:
            asked = time.monotonic()
            await asyncio.sleep(interval_s)
            woke = time.monotonic()
            pending.append(woke)
            pending.append(max(0.0, woke - asked - interval_s))
            if len(pending) >= 2 * FLUSH_EVERY:
                os.write(fd, pending.tobytes())
                del pending[:]
    finally:
        if pending:
            os.write(fd, pending.tobytes())
        os.close(fd)


def read_samples(path: Path, since: float, until: float) -> list[float]:
    """Lag samples (seconds) taken between `since` and `until` (time.monotonic())."""
    values = array.array("d")
    data = path.read_bytes()
    values.frombytes(data[: len(data) - len(data) % 16])
    return [values[i + 1] for i in range(0, len(values), 2) if since <= values[i] <= until]
