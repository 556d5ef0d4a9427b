"""Calling windows: inside or not, and when they next open, in the driver's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.calls.window import CallingWindow, InvalidWindow

MX = ZoneInfo("America/Mexico_City")
DEFAULT = CallingWindow(dt.time(8), dt.time(20))


def mx(hour: int, minute: int = 0, day: int = 10) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=MX)


@pytest.mark.parametrize(
    ("at", "inside"),
    [(mx(7, 59), False), (mx(8), True), (mx(13, 30), True), (mx(19, 59), True), (mx(20), False)],
)
def test_start_is_inclusive_end_exclusive(at: dt.datetime, inside: bool) -> None:
    assert DEFAULT.contains(at) is inside


def test_the_window_is_read_where_the_driver_is_not_in_utc() -> None:
    # 15:00 UTC is 09:00 in Mexico City (UTC-6 since Mexico dropped summer time).
    assert DEFAULT.contains(dt.datetime(2025, 3, 10, 15, tzinfo=dt.UTC))
    assert not DEFAULT.contains(dt.datetime(2025, 3, 10, 13, tzinfo=dt.UTC))


def test_earliest_open_is_now_inside_the_window() -> None:
    assert DEFAULT.earliest_open(mx(10)) == mx(10)


def test_before_opening_it_is_today_after_closing_tomorrow() -> None:
    assert DEFAULT.earliest_open(mx(6)) == mx(8)
    assert DEFAULT.earliest_open(mx(21, 30)) == mx(8, day=11)
    assert DEFAULT.earliest_open(mx(20)) == mx(8, day=11)


def test_a_campaign_window_in_another_zone() -> None:
    tijuana = CallingWindow(dt.time(9), dt.time(17), "America/Tijuana")
    # 08:30 in Mexico City is 07:30 in Tijuana (UTC-7 in March after its DST change).
    at = mx(8, 30)
    assert not tijuana.contains(at)
    assert tijuana.earliest_open(at) == dt.datetime(
        2025, 3, 10, 9, tzinfo=ZoneInfo("America/Tijuana")
    )


def test_an_opening_skipped_by_a_clock_change_lands_on_the_first_real_instant() -> None:
    # Tijuana springs forward at 02:00 on 2025-03-09: 02:30 does not exist that day.
    night = CallingWindow(dt.time(2, 30), dt.time(5), "America/Tijuana")
    opens = night.earliest_open(dt.datetime(2025, 3, 9, 1, tzinfo=ZoneInfo("America/Tijuana")))
    assert opens.astimezone(dt.UTC) == dt.datetime(2025, 3, 9, 10, 30, tzinfo=dt.UTC)
    assert night.contains(opens)


@pytest.mark.parametrize(
    ("start", "end", "zone"),
    [(dt.time(20), dt.time(8), "America/Mexico_City"), (dt.time(8), dt.time(8), "UTC"),
     (dt.time(8), dt.time(20), "Mars/Olympus")],
)  # fmt: skip
def test_unusable_windows_are_refused(start: dt.time, end: dt.time, zone: str) -> None:
    with pytest.raises(InvalidWindow):
        CallingWindow(start, end, zone)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DEFAULT.contains(dt.datetime(2025, 3, 10, 10))


@given(st.datetimes(timezones=st.just(dt.UTC), min_value=dt.datetime(2020, 1, 1),
                    max_value=dt.datetime(2035, 1, 1)))  # fmt: skip
def test_earliest_open_is_open_and_never_earlier(at: dt.datetime) -> None:
    opens = DEFAULT.earliest_open(at)
    assert DEFAULT.contains(opens)
    assert at <= opens < at + dt.timedelta(days=1)
