"""Dates a driver says, resolved against the call's wall clock in Mexico City.

Trip legs are checked after they happen, so every relative word points to the past (or
today), never the future. The rules, tried at each word in this order:

1. Written dates: ISO "2026-11-22"; "22/11", "22/11/26", "22/11/2026", "22-11-2026" (day
   first, as in Mexico). Without a year: the most recent such day up to today.
2. Relative days: "hoy" (also "esta mañana/tarde/madrugada"), "ayer", "anoche" (= ayer),
   "antier", "anteayer", "antes de ayer", "antenoche" (= antier). An echoed weekday or day
   number ("ayer domingo 23", "hoy martes") belongs to the same mention, and the relative
   word wins. Time of day ("ayer en la tarde") changes nothing.
3. "hace N días" (N in words or digits) = N days before today; the Mexican idioms "hace
   ocho días" and "hace quince días" mean one and two weeks (7 and 14 days).
4. Weekdays ("el sábado", "este lunes", "el sábado pasado"): the most recent such day
   strictly before today, so on a Tuesday "el martes" is a week ago ("hoy martes" is today).
   "antepasado" goes a week further back; "el jueves de la semana pasada" is the Thursday of
   last Monday-to-Sunday week. "el próximo lunes", "el lunes que viene": future, no date.
   With a day number ("el viernes 20", "el viernes 20 de noviembre"), the day resolves as
   in rule 5 and the weekday must agree; if it doesn't, the driver misspoke and there is
   no date (the agent should ask).
5. Day of the month: "el 22", "el día 22", "el veintidós", "el primero", "22 de noviembre",
   "el 22 de nov", "el 22 del mes pasado", "del 22". Without a month: the
   most recent day with that number up to today (last month when it is still ahead this
   month). With a month but no year: its most recent occurrence up to today. With a year
   ("el 3 de octubre de 2026"): exactly that date, even if ahead (it was said in full; the
   caller can question it). "de este mes" past today is no date.
Vague spans are not dates: "la semana pasada", "el fin de semana", "hace unos días".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .calendar_days import latest_day, latest_month_day, valid_date
from .numbers import number_at
from .text import tokenize

MEXICO_CITY = ZoneInfo("America/Mexico_City")

WEEKDAYS = ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo")
MONTHS = {
    "enero": 1, "ene": 1, "febrero": 2, "feb": 2, "marzo": 3, "mar": 3, "abril": 4, "abr": 4,
    "mayo": 5, "may": 5, "junio": 6, "jun": 6, "julio": 7, "jul": 7, "agosto": 8, "ago": 8,
    "septiembre": 9, "setiembre": 9, "sep": 9, "sept": 9, "set": 9, "octubre": 10,
    "oct": 10, "noviembre": 11, "nov": 11, "diciembre": 12, "dic": 12,
}  # fmt: skip
_RELATIVE = {  # words -> days before today
    ("hoy",): 0, ("esta", "manana"): 0, ("esta", "madrugada"): 0, ("esta", "tarde"): 0,
    ("ayer",): 1, ("anoche",): 1, ("antier",): 2, ("anteayer",): 2, ("ante", "ayer"): 2,
    ("antes", "de", "ayer"): 2, ("antenoche",): 2,
}  # fmt: skip
_IDIOM_DAYS = {8: 7, 15: 14}  # "hace ocho días" is a week ago, "hace quince días" two
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DMY = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b|\b(\d{1,2})-(\d{1,2})-(\d{4})\b")


@dataclass(frozen=True, slots=True)
class DateMention:
    date: dt.date
    start: int
    end: int
    surface: str


@dataclass(frozen=True, slots=True)
class _Hit:
    date: dt.date | None  # None: words that look like a date but give none (future, clash)
    end: int  # index of the first word after the mention


def today_in_mexico(now: dt.datetime) -> dt.date:
    """The call's date in Mexico City; a naive `now` is taken as Mexico City time."""
    if now.tzinfo is None:
        return now.date()
    return now.astimezone(MEXICO_CITY).date()


def resolve_dates(text: str, now: dt.datetime) -> list[DateMention]:
    """Every date the driver names in `text`, in order (rules in the module docstring)."""
    today = today_in_mexico(now)
    found = _written_dates(text, today)
    taken = [(m.start, m.end) for m in found]
    tokens = tokenize(text)
    words = [token.word for token in tokens]
    index = 0
    while index < len(words):
        if any(start <= tokens[index].start < end for start, end in taken):
            index += 1
            continue
        hit = _relative_day(words, index, today) or _days_ago(words, index, today)
        hit = hit or _weekday(words, index, today) or _day_of_month(words, index, today)
        if hit is None:
            index += 1
            continue
        if hit.date is not None:
            start, end = tokens[index].start, tokens[hit.end - 1].end
            found.append(DateMention(hit.date, start, end, text[start:end]))
        index = hit.end
    return sorted(found, key=lambda mention: mention.start)


def _written_dates(text: str, today: dt.date) -> list[DateMention]:
    """Rule 1: ISO and day/month[/year] written with digits."""
    found = []
    for match in _ISO.finditer(text):
        year, month, day = (int(group) for group in match.groups())
        date = valid_date(year, month, day)
        if date is not None:
            found.append(DateMention(date, match.start(), match.end(), match.group()))
    for match in _DMY.finditer(text):
        if any(m.start <= match.start() < m.end for m in found):
            continue
        day_s, month_s, year_s = match.group(1, 2, 3) if match.group(1) else match.group(4, 5, 6)
        day, month = int(day_s), int(month_s)
        if year_s is None:
            date = latest_month_day(today, month, day)
        else:
            year = int(year_s) + (2000 if len(year_s) == 2 else 0)
            date = valid_date(year, month, day)
        if date is not None:
            found.append(DateMention(date, match.start(), match.end(), match.group()))
    return found


def _relative_day(words: Sequence[str], index: int, today: dt.date) -> _Hit | None:
    """Rule 2: hoy, ayer, anoche, antier... plus an echoed weekday and day number."""
    for phrase, days in _RELATIVE.items():
        if tuple(words[index : index + len(phrase)]) == phrase:
            end = index + len(phrase)
            if end < len(words) and words[end] in WEEKDAYS:
                end += 1
            number = number_at(words, end)
            if number is not None and 1 <= number[0] <= 31:
                end = number[1]
            return _Hit(today - dt.timedelta(days=days), end)
    return None


def _days_ago(words: Sequence[str], index: int, today: dt.date) -> _Hit | None:
    """Rule 3: 'hace tres días', 'hace 3 dias', 'hace un día'."""
    if words[index] != "hace":
        return None
    number = number_at(words, index + 1)
    if number is None or number[1] >= len(words) or words[number[1]] not in ("dia", "dias"):
        return None
    days = _IDIOM_DAYS.get(number[0], number[0])
    return _Hit(today - dt.timedelta(days=days), number[1] + 1)


def _weekday(words: Sequence[str], index: int, today: dt.date) -> _Hit | None:
    """Rule 4: 'el sábado', 'el sábado pasado', 'el viernes 20', 'el jueves de la semana
    pasada'."""
    if words[index] not in WEEKDAYS:
        return None
    weekday, end = WEEKDAYS.index(words[index]), index + 1
    following = tuple(words[end : end + 4])
    if (index > 0 and words[index - 1] == "proximo") or following[:1] == ("entrante",):
        return _Hit(None, end + (following[:1] == ("entrante",)))
    if following[:2] == ("que", "viene"):
        return _Hit(None, end + 2)
    back = (today.weekday() - weekday) % 7 or 7
    if following[:1] == ("pasado",):
        end += 1
    elif following[:1] == ("antepasado",):
        back, end = back + 7, end + 1
    elif following == ("de", "la", "semana", "pasada"):
        monday = today - dt.timedelta(days=today.weekday() + 7)
        return _Hit(monday + dt.timedelta(days=weekday), end + 4)
    day = _day_of_month(words, end, today, needs_cue=False)
    if day is not None:
        agrees = day.date is not None and day.date.weekday() == weekday
        return _Hit(day.date if agrees else None, day.end)
    return _Hit(today - dt.timedelta(days=back), end)


def _day_of_month(
    words: Sequence[str], index: int, today: dt.date, *, needs_cue: bool = True
) -> _Hit | None:
    """Rule 5: 'el 22', 'el día veintidós', '22 de noviembre', 'el 22 del mes pasado'."""
    start = index
    if needs_cue and index < len(words) and words[index] in ("el", "del", "dia"):
        start = index + 1
        if words[index] == "el" and words[start : start + 1] == ["dia"]:
            start += 1
    number = number_at(words, start)
    if number is None or not 1 <= number[0] <= 31 or words[start] in ("un", "una"):
        return None
    day, end = number
    month, year, exact, end = _month_and_year(words, end, today)
    if month is None and needs_cue and start == index:
        return None  # a bare number is not a date: "22" could be anything
    if year is not None and month is not None:
        date = valid_date(year, month, day)
        return _Hit(date if exact or (date is not None and date <= today) else None, end)
    if month is not None:
        return _Hit(latest_month_day(today, month, day), end)
    return _Hit(latest_day(today, day), end)


def _month_and_year(
    words: Sequence[str], index: int, today: dt.date
) -> tuple[int | None, int | None, bool, int]:
    """(month, year, year said in full, end) after a day: 'de noviembre', 'de nov de 2026',
    'del mes pasado', 'de este mes'. The last two give a year that was not said."""
    if index >= len(words) or words[index] not in ("de", "del"):
        return None, None, False, index
    rest = tuple(words[index + 1 : index + 3])
    if rest == ("mes", "pasado"):
        previous = today.replace(day=1) - dt.timedelta(days=1)
        return previous.month, previous.year, False, index + 3
    if rest == ("este", "mes"):
        return today.month, today.year, False, index + 3
    month = MONTHS.get(rest[0]) if rest else None
    if month is None:
        return None, None, False, index
    end = index + 2
    if end < len(words) and words[end] in ("de", "del"):
        year = number_at(words, end + 1)
        if year is not None and year[0] >= 1000:
            return month, year[0], True, year[1]
    return month, None, False, end
