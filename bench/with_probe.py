"""Run a bot's `python -m MODULE` entry point with the event-loop lag probe in its loop.

    python -m bench.with_probe --lag-file F MODULE [ARGS...]

The bot is run unchanged, as `python -m MODULE ARGS` would run it: the probe starts the first
time any asyncio loop of the process runs (whether the bot uses asyncio.run, a Runner, or a
loop of its own making), so Karla and pipecat are measured the same way. Stdlib only.
"""

from __future__ import annotations

import asyncio
import asyncio.base_events
import runpy
import sys
import weakref
from pathlib import Path
from typing import Any

from bench.lagprobe import probe_loop


def install(lag_file: Path) -> None:
    original = asyncio.base_events.BaseEventLoop.run_forever
    probed: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()
    tasks: list[asyncio.Task[None]] = []  # a strong reference keeps each probe alive

    def run_forever(self: asyncio.base_events.BaseEventLoop) -> Any:
        if self not in probed:
            probed.add(self)
            tasks.append(self.create_task(probe_loop(lag_file), name="bench-lag-probe"))
        return original(self)

    asyncio.base_events.BaseEventLoop.run_forever = run_forever  # type: ignore[method-assign]


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
