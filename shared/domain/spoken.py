"""How Karla says trip data aloud: dates the way a dispatcher does, places without codes."""

from __future__ import annotations

import datetime as dt

WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
)  # fmt: skip


def say_date(date: dt.date, today: dt.date) -> str:
    """'ayer domingo 23', 'el viernes 20', 'el 3 de octubre': short, unambiguous, spoken."""
    day = f"{WEEKDAYS[date.weekday()]} {date.day}"
    delta = (today - date).days
    if delta == 0:
        return f"hoy {day}"
    if delta == 1:
        return f"ayer {day}"
    if 0 < delta < 7:
        return f"el {day}"
    if date.year == today.year:
        return f"el {day} de {MONTHS[date.month - 1]}"
    return f"el {date.day} de {MONTHS[date.month - 1]} de {date.year}"


def say_place(place: str) -> str:
    """'Monterrey, N.L.' is said 'Monterrey': the state code is for the record, not the ear."""
    return place.split(",", maxsplit=1)[0].strip()
