"""Run a bot's `python -m MODULE` entry point with the event-loop lag probe in its loop.

    python -m bench.with_probe --lag-file F MODULE [ARGS...]

The bot is run unchanged, as `python -m MODULE ARGS` would run it: the probe starts the first
time any event loop of the process runs (whether the bot uses asyncio.run, a Runner, a loop
of its own making, or uvloop), so Karla and pipecat are measured the same way. Stdlib only.
"""

from __future__ import annotations

import asyncio
import asyncio.events
import runpy
import sys
import weakref
from pathlib import Path

from bench.lagprobe import probe_loop


def install(lag_file: Path) -> None:
    """Start the probe in each loop as it starts running.

    Every loop announces itself through `asyncio._set_running_loop` when it starts: asyncio's
    looks the function up on each run, uvloop binds it when imported, which is after this.
    """
    original = asyncio.events._set_running_loop
    probed: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()
    tasks: list[asyncio.Task[None]] = []  # a strong reference keeps each probe alive

    def set_running_loop(loop: asyncio.AbstractEventLoop | None) -> None:
        original(loop)
        if loop is not None and loop not in probed:
            probed.add(loop)
            tasks.append(loop.create_task(probe_loop(lag_file), name="bench-lag-probe"))

    asyncio.events._set_running_loop = set_running_loop
    asyncio._set_running_loop = set_running_loop


def main() -> None:
    args = sys.argv[1:]
    if len(args) < 3 or args[0] != "--lag-file":
        sys.exit("usage: python -m bench.with_probe --lag-file FILE MODULE [ARGS...]")
    install(Path(args[1]))
    module = args[2]
    sys.argv = [module, *args[3:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
