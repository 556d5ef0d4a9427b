"""Dates resolved against the call's wall clock in Mexico City; relative ones never ahead."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from media_server.providers.llm.offline.dates import resolve_dates, today_in_mexico

MX = ZoneInfo("America/Mexico_City")
TUESDAY = dt.datetime.fromisoformat("2026-11-24T10:15:00-06:00")


def dates(text: str, now: dt.datetime = TUESDAY) -> list[str]:
    return [mention.date.isoformat() for mention in resolve_dates(text, now)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hoy", "2026-11-24"),
        ("ayer", "2026-11-23"),
        ("antier", "2026-11-22"),
        ("anteayer", "2026-11-22"),
        ("antes de ayer", "2026-11-22"),
        ("anoche", "2026-11-23"),
        ("antenoche", "2026-11-22"),
        ("ayer en la tarde", "2026-11-23"),
        ("Salí ayer en la mañana", "2026-11-23"),
        ("esta mañana", "2026-11-24"),
        ("el sábado", "2026-11-21"),
        ("el sábado pasado", "2026-11-21"),
        ("el viernes", "2026-11-20"),
        ("el lunes", "2026-11-23"),
        ("este lunes", "2026-11-23"),
        ("el domingo", "2026-11-22"),
        ("el martes", "2026-11-17"),  # today's weekday: a week ago
        ("hoy martes", "2026-11-24"),
        ("el miercoles", "2026-11-18"),
        ("el jueves de la semana pasada", "2026-11-19"),
        ("el lunes de la semana pasada", "2026-11-16"),
        ("el sábado antepasado", "2026-11-14"),
        ("el 22", "2026-11-22"),
        ("el día 22", "2026-11-22"),
        ("el veintidós", "2026-11-22"),
        ("fue el día veintidós", "2026-11-22"),
        ("el día veinti dos", "2026-11-22"),
        ("el 24", "2026-11-24"),
        ("el 25", "2026-10-25"),  # still ahead this month: last month's
        ("el primero", "2026-11-01"),
        ("del 20", "2026-11-20"),
        ("hace tres días", "2026-11-21"),
        ("hace 3 días", "2026-11-21"),
        ("hace un día", "2026-11-23"),
        ("hace ocho días", "2026-11-17"),  # Mexican for "a week ago"
        ("22/11", "2026-11-22"),
        ("22/11/2026", "2026-11-22"),
        ("22/11/26", "2026-11-22"),
        ("22-11-2026", "2026-11-22"),
        ("2026-11-22", "2026-11-22"),
        ("el 22 de noviembre", "2026-11-22"),
        ("22 de nov", "2026-11-22"),
        ("el 30 de diciembre", "2025-12-30"),  # most recent one
        ("el 3 de octubre de 2026", "2026-10-03"),
        ("el 22 del mes pasado", "2026-10-22"),
        ("el viernes 20", "2026-11-20"),
        ("el viernes 20 de noviembre", "2026-11-20"),
        ("ayer lunes 23", "2026-11-23"),
    ],
)
def test_on_a_tuesday(text, expected):
    assert dates(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "la semana pasada",
        "el fin de semana",
        "hace unos días",
        "hace un par de días",
        "mañana",
        "pasado mañana",
        "en la mañana",
        "el próximo lunes",
        "el lunes que viene",
        "el viernes 21",  # Friday was the 20th: the driver misspoke
        "el 31 de noviembre",
        "el 28 de este mes",  # still ahead
        "22",
        "son las 10",
        "el viaje",
    ],
)
def test_not_a_date(text):
    assert dates(text) == []


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        ("2027-01-02T09:00:00-06:00", "el 30", "2026-12-30"),
        ("2027-01-02T09:00:00-06:00", "ayer", "2027-01-01"),
        ("2027-01-02T09:00:00-06:00", "antier", "2026-12-31"),
        ("2027-01-02T09:00:00-06:00", "el lunes", "2026-12-28"),
        ("2027-01-02T09:00:00-06:00", "22/12", "2026-12-22"),
        ("2027-01-02T09:00:00-06:00", "el 5 de enero", "2026-01-05"),
        ("2027-01-02T09:00:00-06:00", "hace cinco días", "2026-12-28"),
        ("2026-12-01T08:00:00-06:00", "el 31", "2026-10-31"),  # November has no 31
        ("2026-03-01T08:00:00-06:00", "el 30", "2026-01-30"),  # nor February a 30
        ("2026-03-01T08:00:00-06:00", "el 29 de febrero", "2024-02-29"),
        ("2026-03-02T08:00:00-06:00", "el domingo", "2026-03-01"),
    ],
)
def test_across_month_and_year_boundaries(now, text, expected):
    assert dates(text, dt.datetime.fromisoformat(now)) == [expected]


def test_today_is_mexico_city_date_whatever_the_offset():
    late_evening = dt.datetime(2026, 11, 25, 5, 30, tzinfo=dt.UTC)  # 23:30 on the 24th
    assert today_in_mexico(late_evening) == dt.date(2026, 11, 24)
    assert dates("ayer", late_evening) == ["2026-11-23"]


def test_several_dates_in_order_with_spans():
    text = "No fue ayer, fue antier, el domingo 22."
    found = resolve_dates(text, TUESDAY)
    assert [(m.date.isoformat(), m.surface) for m in found] == [
        ("2026-11-23", "ayer"),
        ("2026-11-22", "antier"),
        ("2026-11-22", "domingo 22"),
    ]
    for mention in found:
        assert text[mention.start : mention.end] == mention.surface


RELATIVE = st.sampled_from(
    [
        "hoy", "ayer", "antier", "anteayer", "anoche", "antes de ayer", "el lunes",
        "el martes", "el miércoles", "el jueves", "el viernes", "el sábado", "el domingo",
        "el sábado pasado", "este lunes", "el jueves de la semana pasada", "hace dos días",
        "hace 10 días", "el 1", "el 15", "el 28", "el 29", "el 30", "el 31", "el primero",
        "el veintidós", "el día 31", "22/11", "31/12", "1/1", "29/02", "el 30 de enero",
        "el 29 de febrero", "el 31 de diciembre", "el 22 del mes pasado", "el 1 de este mes",
    ]
)  # fmt: skip


@given(
    RELATIVE,
    st.datetimes(
        min_value=dt.datetime(2020, 1, 1),
        max_value=dt.datetime(2035, 12, 31),
        timezones=st.sampled_from([MX, dt.UTC, ZoneInfo("America/Tijuana")]),
    ),
)
def test_relative_mentions_are_never_after_the_call(text, now):
    today = today_in_mexico(now)
    for mention in resolve_dates(text, now):
        assert mention.date <= today
        assert (today - mention.date).days <= 366 * 8
