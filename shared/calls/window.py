"""Calling windows: the local hours in which Karla may phone a driver.

Pure: a datetime in, an answer out, no clock read here. The window is a daily span of
wall-clock time in one IANA zone (America/Mexico_City by default; a campaign may name
another), so "08:00-20:00" means eight in the morning where the driver is, whatever the
server's zone or the UTC offset of the day. Start is inclusive, end exclusive; the span
never crosses midnight (the campaigns table refuses start >= end), which keeps "the next
opening" a single, unambiguous instant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class InvalidWindow(ValueError):
    """The window cannot be used: unknown zone, or it does not open before it closes."""


@dataclass(frozen=True)
class CallingWindow:
    start: dt.time
    end: dt.time
    timezone: str = "America/Mexico_City"

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidWindow("window times are wall-clock times: give them without a zone")
        if self.start >= self.end:
            raise InvalidWindow(f"the window must open before it closes ({self})")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidWindow(f"unknown time zone {self.timezone!r}") from None

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M} {self.timezone}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def contains(self, at: dt.datetime) -> bool:
        """True when `at` (timezone-aware) falls inside the window where the driver is."""
        local = _aware(at).astimezone(self.zone)
        return self.start <= local.time().replace(tzinfo=None) < self.end

    def earliest_open(self, at: dt.datetime) -> dt.datetime:
        """`at` itself when the window is open then, else the window's next opening."""
        local = _aware(at).astimezone(self.zone)
        if self.contains(local):
            return at
        day = local.date()
        if local.time().replace(tzinfo=None) >= self.end:
            day += dt.timedelta(days=1)
        opening = dt.datetime.combine(day, self.start, tzinfo=self.zone)
        # A start that a clock change skips does not exist that day: round-trip through
        # UTC to land on the first real instant after it.
        return opening.astimezone(dt.UTC).astimezone(self.zone)


def _aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError("calling windows need timezone-aware datetimes")
    return at
