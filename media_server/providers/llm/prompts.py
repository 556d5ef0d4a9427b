"""Karla's prompts for the LLM agents, kept as Markdown files a reviewer can read.

`prompts/system_es.md` is the persona and the rules. It depends only on deployment settings
(Karla's name, the company), so its bytes are the same for every call and every turn: the
providers cache it as a prefix. `prompts/call_context_es.md` is the small per-call part
(today's date, who is on the line, the trip on file, the current step); it changes every
call and every step, so agents send it AFTER the cached prefix, as a second system block
(Anthropic) or second system-instruction part (Gemini), never inside the cached one and
never in the conversation turns (which stay the pure transcript).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo

from shared.domain.fsm import CallState
from shared.domain.session import CallSession
from shared.domain.spoken import MONTHS, WEEKDAYS, say_date, say_place
from shared.domain.trip import Trip

PROMPTS_DIR = Path(__file__).with_name("prompts")
RECENT_DAYS = 7  # enough to resolve "el sábado" or "antier" to an ISO date

_STEPS: dict[CallState, str] = {
    CallState.DIALING: "la llamada aún no se contesta",
    CallState.GREETING: "saludo: confirma la identidad del operador; todavía no hables del viaje",
    CallState.VALIDATING: (
        "revisión: identidad confirmada; revisa con él el viaje registrado (confirmarlo, "
        "corregirlo o, si hizo otro tramo, darlo de alta)"
    ),
    CallState.UPDATING: (
        "corrección: lee el viaje corregido completo y, con su sí, llama a actualizar_viaje"
    ),
    CallState.CREATING: (
        "alta: no hay viaje que revisar; pide origen, destino y fecha, uno por turno, léelo "
        "completo y, con su sí, llama a crear_viaje"
    ),
    CallState.CLOSING: "cierre: el viaje ya quedó registrado; despídete en una oración",
    CallState.TRANSFERRING: "la llamada ya se pasó a una persona",
    CallState.ENDED: "la llamada terminó",
}


@cache
def _read(name: str) -> str:
    return (PROMPTS_DIR / name).read_text(encoding="utf-8")


@cache
def system_prompt(agent_name: str, company: str) -> str:
    """The static system prompt: read once, identical bytes for the process's lifetime."""
    return Template(_read("system_es.md")).substitute(agent_name=agent_name, company=company)


def render_call_context(session: CallSession, timezone: str = "America/Mexico_City") -> str:
    """The per-call block: dates in the call's local time, the people and trips, the step."""
    now = session.call_time.astimezone(ZoneInfo(timezone))
    today = now.date()
    inbound = session.direction == "inbound"
    return Template(_read("call_context_es.md")).substitute(
        today=_long_date(today),
        today_iso=today.isoformat(),
        time=now.strftime("%H:%M"),
        recent_days=_recent_days(today),
        direction="entrante (el operador marcó)" if inbound else "saliente (tú marcaste)",
        driver_name=session.driver.name,
        trip=_trip(session.trip_on_file, today) if session.trip_on_file else "ninguno",
        other_trips=(
            "; ".join(_trip(trip, today) for trip in session.other_open_trips) or "ninguno"
        )
        if inbound
        else "no aplica (llamada saliente)",
        step=_STEPS[session.state],
    )


def _long_date(day: dt.date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} de {MONTHS[day.month - 1]} de {day.year}"


def _recent_days(today: dt.date) -> str:
    days = (today - dt.timedelta(days=back) for back in range(1, RECENT_DAYS + 1))
    return ", ".join(f"{say_date(day, today)} = {day.isoformat()}" for day in days)


def _trip(trip: Trip, today: dt.date) -> str:
    return (
        f"de {trip.origin} a {trip.destination}, {trip.date.isoformat()} "
        f'(se dice "de {say_place(trip.origin)} a {say_place(trip.destination)}, '
        f'{say_date(trip.date, today)}")'
    )
