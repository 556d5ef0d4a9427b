"""Calendar arithmetic for dates.py: which real date a day number means, looking back."""

from __future__ import annotations

import datetime as dt


def valid_date(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None when it does not exist (31 of November)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def latest_day(today: dt.date, day: int) -> dt.date | None:
    """The most recent date up to today whose day of the month is `day`."""
    year, month = today.year, today.month
    for _ in range(13):
        date = valid_date(year, month, day)
        if date is not None and date <= today:
            return date
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def latest_month_day(today: dt.date, month: int, day: int) -> dt.date | None:
    """The most recent `day` of `month` up to today: this year's, else an earlier year's
    (a 29 of February goes back to the last leap year)."""
    for year in range(today.year, today.year - 8, -1):
        date = valid_date(year, month, day)
        if date is not None and date <= today:
            return date
    return None
