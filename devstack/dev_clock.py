"""The dev stack's clock: real time plus an offset that only ever moves forward.

The control plane decides every time through its clock (calling windows, the 30-minute
redial, dial and media deadlines, the sweep), so jumping this clock is how a person (or a
test) watches a redial happen without waiting half an hour. It starts at
`KARLA_CLOCK_OFFSET` ahead of real time (e.g. "2h", "30m", "90s", or seconds) and the dev
stack's `/_dev/clock` endpoint moves it on. Going back is refused: deadlines already
written would fire twice. The media plane keeps real time (audio is real time).
"""

from __future__ import annotations

import datetime as dt
import re
import threading

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class ClockError(ValueError):
    """A clock move that cannot be made; the message says why."""


def parse_duration(text: str | float) -> float:
    """Seconds from 1800, "1800", "90s", "30m", "2h" or "1d"."""
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        match = _DURATION.match(text)
        if match is None:
            raise ClockError(f"not a duration: {text!r} (say 90s, 30m, 2h or 1d)")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds < 0:
        raise ClockError("the clock only moves forward")
    return seconds


class DevClock:
    """Callable like the control plane's clock; safe to read from any thread."""

    def __init__(self, offset_seconds: float = 0.0) -> None:
        if offset_seconds < 0:
            raise ClockError("the clock only moves forward")
        self._offset = dt.timedelta(seconds=offset_seconds)
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self._offset

    @property
    def offset_seconds(self) -> float:
        return self._offset.total_seconds()

    def advance(self, seconds: float) -> dt.datetime:
        if seconds < 0:
            raise ClockError("the clock only moves forward")
        with self._lock:
            self._offset += dt.timedelta(seconds=seconds)
        return self()

    def move_to(self, at: dt.datetime) -> dt.datetime:
        """Jump to `at` (timezone-aware, not earlier than now)."""
        if at.tzinfo is None:
            raise ClockError("give the time with its zone offset")
        with self._lock:
            ahead = at - (dt.datetime.now(dt.UTC) + self._offset)
            if ahead < dt.timedelta(0):
                raise ClockError(f"{at.isoformat()} is in the clock's past")
            self._offset += ahead
        return self()
