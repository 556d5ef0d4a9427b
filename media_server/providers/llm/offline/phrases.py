"""What Karla says: short Mexican-dispatcher lines, never more than two sentences.

Lines are data-like functions of the trip so a reviewer can read the whole script here.
"""

from __future__ import annotations

import datetime as dt

from shared.domain.spoken import say_date, say_place

from .memory import Draft, Field

QUESTIONS: dict[Field, str] = {
    "origin": "¿De dónde salió?",
    "destination": "¿Y a dónde llegó?",
    "date": "¿Qué día fue el viaje?",
}


def greeting(agent_name: str, company: str) -> str:
    return f"¡Hola, buen día, le habla {agent_name} de {company}!"


def route(draft: Draft, today: dt.date) -> str:
    assert draft.origin and draft.destination and draft.date
    when = say_date(draft.date, today)
    return f"de {say_place(draft.origin)} a {say_place(draft.destination)}, {when}"


def read_trip(draft: Draft, today: dt.date, *, inbound: bool) -> str:
    lead = "Tengo registrado su viaje" if inbound else "Le llamo para confirmar su viaje"
    return f"{lead} {route(draft, today)}. ¿Es correcto?"


def confirm_again(draft: Draft, today: dt.date) -> str:
    return f"¿Su viaje {route(draft, today)} es correcto?"


def read_back_update(draft: Draft, today: dt.date) -> str:
    return f"Entonces el viaje fue {route(draft, today)}. ¿Así lo corrijo?"


def read_back_new(draft: Draft, today: dt.date) -> str:
    return f"Entonces lo registro {route(draft, today)}. ¿Es correcto?"


def ask(field: Field, *, first: bool = False) -> str:
    if first:
        return f"No tengo registrado ese viaje, lo damos de alta. {QUESTIONS[field]}"
    return QUESTIONS[field]


WHAT_IS_WRONG = "Ok, ¿qué dato está mal: el origen, el destino o la fecha?"
ONLY_THIS_TRIP = "Solo puedo revisar el viaje de esta llamada."
SORRY_WRONG_NUMBER = "Disculpe la molestia, que tenga buen día."
NOT_UNDERSTOOD = "Perdón, no le entendí bien."
ARE_YOU_THERE = "¿Bueno? ¿Me escucha?"
GOODBYE_SILENCE = "No le escucho, le marcamos más tarde. Buen día."
HAND_OFF = "Claro, le comunico con una persona del equipo."
SYSTEM_DOWN = "Tengo una falla con el sistema, le comunico con una persona del equipo."

DONE = {
    "validar_viaje": "Listo, su viaje quedó confirmado.",
    "actualizar_viaje": "Listo, ya quedó corregido.",
    "crear_viaje": "Listo, su viaje quedó registrado.",
}
THANKS = "¡Gracias y buen camino!"
OTHER_TRIP_NOTE = "El otro viaje lo revisa operaciones. ¡Buen camino!"
